// A typed-less REST client for any API resource: objects are nlohmann::json, errors are
// absl::Status (see status.h). Copyable and thread-safe; copies share one connection pool.
#ifndef MINPRIV_KUBE_REST_CLIENT_H_
#define MINPRIV_KUBE_REST_CLIENT_H_

#include <memory>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kube/config.h"
#include "kube/resource.h"
#include "kube/watch.h"
#include "nlohmann/json.hpp"

namespace minpriv::kube {

class HttpTransport;

struct ObjectList {
  std::vector<nlohmann::json> items;
  std::string resource_version;  // the list's metadata.resourceVersion: watch from here
  std::string continue_token;    // non-empty when more pages follow
};

enum class PatchType {
  kMerge,  // RFC 7386, application/merge-patch+json
  kJson,   // RFC 6902, application/json-patch+json (an array of operations)
};

class RestClient {
 public:
  static absl::StatusOr<RestClient> Create(const Config& config);

  // A client whose requests time out after `timeout` (the default is 30 s).
  RestClient WithTimeout(absl::Duration timeout) const;
  const Config& config() const;

  absl::StatusOr<nlohmann::json> Get(const ResourceRef& ref, absl::string_view ns,
                                     absl::string_view name) const;
  // One page (options.limit / continue_token) or everything when limit is 0.
  absl::StatusOr<ObjectList> List(const ResourceRef& ref, absl::string_view ns,
                                  const ListOptions& options = {}) const;
  // Every page, following `continue` (pages of options.limit, 500 when 0). The result's
  // resource_version is the snapshot's. An expired continue token is IsGone().
  absl::StatusOr<ObjectList> ListAll(const ResourceRef& ref, absl::string_view ns,
                                     const ListOptions& options = {}) const;
  // POST to the collection of `ns` (the object's metadata.namespace when `ns` is empty).
  absl::StatusOr<nlohmann::json> Create(const ResourceRef& ref, absl::string_view ns,
                                        const nlohmann::json& object) const;
  // PUT of metadata.name; with metadata.resourceVersion set, a stale object is IsConflict().
  absl::StatusOr<nlohmann::json> Update(const ResourceRef& ref, absl::string_view ns,
                                        const nlohmann::json& object) const;
  absl::StatusOr<nlohmann::json> UpdateStatus(const ResourceRef& ref, absl::string_view ns,
                                              const nlohmann::json& object) const;
  absl::StatusOr<nlohmann::json> Patch(const ResourceRef& ref, absl::string_view ns,
                                       absl::string_view name, PatchType type,
                                       const nlohmann::json& patch) const;
  absl::StatusOr<nlohmann::json> PatchStatus(const ResourceRef& ref, absl::string_view ns,
                                             absl::string_view name, PatchType type,
                                             const nlohmann::json& patch) const;
  absl::Status Delete(const ResourceRef& ref, absl::string_view ns, absl::string_view name) const;

  // Opens a watch; events arrive through the stream as the server sends them. A 410 answer
  // (resourceVersion too old) is returned as IsGone().
  absl::StatusOr<std::unique_ptr<WatchStream>> Watch(const ResourceRef& ref, absl::string_view ns,
                                                     const WatchOptions& options) const;

 private:
  RestClient(std::shared_ptr<HttpTransport> transport, absl::Duration timeout)
      : transport_(std::move(transport)), timeout_(timeout) {}
  absl::StatusOr<nlohmann::json> Call(const std::string& method, const std::string& path,
                                      const std::string& body,
                                      const std::string& content_type) const;
  absl::StatusOr<nlohmann::json> Write(const std::string& method, const ResourceRef& ref,
                                       absl::string_view ns, const nlohmann::json& object,
                                       absl::string_view subresource) const;

  std::shared_ptr<HttpTransport> transport_;
  absl::Duration timeout_;
};

// Object helpers for the usual metadata fields ("" when absent or not a string).
std::string MetaString(const nlohmann::json& object, const char* field);
// "namespace/name" or "name" for cluster-scoped objects: the cache and work-queue key.
std::string ObjectKey(const nlohmann::json& object);

}  // namespace minpriv::kube

#endif  // MINPRIV_KUBE_REST_CLIENT_H_
