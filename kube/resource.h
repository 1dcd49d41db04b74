// Which API resource a request is about, and how its URL path and query string are written.
#ifndef MINPRIV_KUBE_RESOURCE_H_
#define MINPRIV_KUBE_RESOURCE_H_

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

namespace minpriv::kube {

// A resource type: {"", "v1", "pods", true}, {"apps", "v1", "deployments", true},
// {"minpriv.dev", "v1alpha1", "workloadprofiles", true}, {"", "v1", "namespaces", false}.
struct ResourceRef {
  std::string group;     // "" for the core group
  std::string version;   // "v1"
  std::string resource;  // plural, lower case
  bool namespaced = true;

  // "/api/v1" or "/apis/GROUP/VERSION".
  std::string GroupVersionPath() const;
  // The collection path: ".../namespaces/NS/RESOURCE", or ".../RESOURCE" when `ns` is empty
  // (all namespaces) or the resource is cluster-scoped.
  std::string CollectionPath(absl::string_view ns) const;
  // One object: CollectionPath(ns) + "/NAME" (+ "/SUBRESOURCE").
  std::string ObjectPath(absl::string_view ns, absl::string_view name,
                         absl::string_view subresource = "") const;
  // "pods", "deployments.apps": for messages.
  std::string DisplayName() const;
};

struct ListOptions {
  std::string label_selector;    // "app=web,tier!=db"
  std::string field_selector;    // "metadata.name=x"
  int64_t limit = 0;             // 0: no limit (ListAll pages with its own limit when 0)
  std::string continue_token;    // from a previous page's metadata.continue
  std::string resource_version;  // "" (most recent), "0" (any), or a version
};

struct WatchOptions {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;  // watch changes after this version
  int timeout_seconds = 300;     // the server ends the watch after this long
  bool allow_bookmarks = true;
};

// Percent-encodes a query value (RFC 3986 unreserved characters stay as they are).
std::string QueryEscape(absl::string_view value);
// "?labelSelector=...&limit=..." for the options that are set ("" when none).
std::string ListQuery(const ListOptions& options);
// "?watch=true&allowWatchBookmarks=true&resourceVersion=...&timeoutSeconds=...".
std::string WatchQuery(const WatchOptions& options);

}  // namespace minpriv::kube

#endif  // MINPRIV_KUBE_RESOURCE_H_
