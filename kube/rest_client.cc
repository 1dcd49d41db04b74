#include "kube/rest_client.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "kube/http_transport.h"
#include "kube/status.h"

namespace minpriv::kube {
namespace {

constexpr int64_t kDefaultPageSize = 500;

const char* ContentTypeFor(PatchType type) {
  return type == PatchType::kMerge ? "application/merge-patch+json"
                                   : "application/json-patch+json";
}

std::string PathOnly(const std::string& path) { return path.substr(0, path.find('?')); }

}  // namespace

std::string MetaString(const nlohmann::json& object, const char* field) {
  if (!object.is_object()) return "";
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  auto value = meta->find(field);
  if (value == meta->end() || !value->is_string()) return "";
  return value->get<std::string>();
}

std::string ObjectKey(const nlohmann::json& object) {
  std::string ns = MetaString(object, "namespace");
  std::string name = MetaString(object, "name");
  return ns.empty() ? name : absl::StrCat(ns, "/", name);
}

absl::StatusOr<RestClient> RestClient::Create(const Config& config) {
  absl::StatusOr<std::unique_ptr<HttpTransport>> transport = HttpTransport::Create(config);
  if (!transport.ok()) return transport.status();
  return RestClient(std::shared_ptr<HttpTransport>(std::move(*transport)), absl::Seconds(30));
}

RestClient RestClient::WithTimeout(absl::Duration timeout) const {
  return RestClient(transport_, timeout);
}

const Config& RestClient::config() const { return transport_->config(); }

absl::StatusOr<nlohmann::json> RestClient::Call(const std::string& method,
                                                const std::string& path,
                                                const std::string& body,
                                                const std::string& content_type) const {
  HttpRequest request;
  request.method = method;
  request.path_and_query = path;
  request.body = body;
  request.content_type = content_type;
  request.timeout = timeout_;
  absl::StatusOr<HttpResponse> response = transport_->Send(request);
  if (!response.ok()) return response.status();
  const std::string what = absl::StrCat(method, " ", PathOnly(path));
  if (response->code < 200 || response->code >= 300) {
    return StatusFromResponse(response->code, response->body, what);
  }
  nlohmann::json parsed =
      nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return absl::DataLossError(absl::StrCat(what, ": HTTP ", response->code,
                                            " with a body that is not a JSON object"));
  }
  return parsed;
}

absl::StatusOr<nlohmann::json> RestClient::Get(const ResourceRef& ref, absl::string_view ns,
                                               absl::string_view name) const {
  return Call("GET", ref.ObjectPath(ns, name), "", "");
}

absl::StatusOr<ObjectList> RestClient::List(const ResourceRef& ref, absl::string_view ns,
                                            const ListOptions& options) const {
  const std::string path = ref.CollectionPath(ns) + ListQuery(options);
  absl::StatusOr<nlohmann::json> body = Call("GET", path, "", "");
  if (!body.ok()) return body.status();
  auto items = body->find("items");
  if (items == body->end() || !(items->is_array() || items->is_null())) {
    return absl::DataLossError(
        absl::StrCat("GET ", ref.CollectionPath(ns), ": the list has no \"items\" array"));
  }
  ObjectList list;
  if (items->is_array()) {
    list.items.reserve(items->size());
    for (nlohmann::json& item : *items) {
      if (!item.is_object()) {
        return absl::DataLossError(
            absl::StrCat("GET ", ref.CollectionPath(ns), ": a list item is not an object"));
      }
      list.items.push_back(std::move(item));
    }
  }
  list.resource_version = MetaString(*body, "resourceVersion");
  list.continue_token = MetaString(*body, "continue");
  return list;
}

absl::StatusOr<ObjectList> RestClient::ListAll(const ResourceRef& ref, absl::string_view ns,
                                               const ListOptions& options) const {
  ListOptions page = options;
  if (page.limit <= 0) page.limit = kDefaultPageSize;
  ObjectList all;
  for (;;) {
    absl::StatusOr<ObjectList> one = List(ref, ns, page);
    if (!one.ok()) return one.status();
    for (nlohmann::json& item : one->items) all.items.push_back(std::move(item));
    all.resource_version = one->resource_version;
    if (one->continue_token.empty()) return all;
    page.continue_token = one->continue_token;
    page.resource_version.clear();  // the continue token carries the snapshot
  }
}

absl::StatusOr<nlohmann::json> RestClient::Write(const std::string& method,
                                                 const ResourceRef& ref, absl::string_view ns,
                                                 const nlohmann::json& object,
                                                 absl::string_view subresource) const {
  if (!object.is_object()) return absl::InvalidArgumentError("kube: an object must be JSON object");
  std::string object_ns = ns.empty() ? MetaString(object, "namespace") : std::string(ns);
  if (method == "POST") {
    return Call(method, ref.CollectionPath(object_ns), object.dump(), "application/json");
  }
  std::string name = MetaString(object, "name");
  if (name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("kube: ", method, " of ", ref.DisplayName(), " needs metadata.name"));
  }
  return Call(method, ref.ObjectPath(object_ns, name, subresource), object.dump(),
              "application/json");
}

absl::StatusOr<nlohmann::json> RestClient::Create(const ResourceRef& ref, absl::string_view ns,
                                                  const nlohmann::json& object) const {
  return Write("POST", ref, ns, object, "");
}

absl::StatusOr<nlohmann::json> RestClient::Update(const ResourceRef& ref, absl::string_view ns,
                                                  const nlohmann::json& object) const {
  return Write("PUT", ref, ns, object, "");
}

absl::StatusOr<nlohmann::json> RestClient::UpdateStatus(const ResourceRef& ref,
                                                        absl::string_view ns,
                                                        const nlohmann::json& object) const {
  return Write("PUT", ref, ns, object, "status");
}

absl::StatusOr<nlohmann::json> RestClient::Patch(const ResourceRef& ref, absl::string_view ns,
                                                 absl::string_view name, PatchType type,
                                                 const nlohmann::json& patch) const {
  return Call("PATCH", ref.ObjectPath(ns, name), patch.dump(), ContentTypeFor(type));
}

absl::StatusOr<nlohmann::json> RestClient::PatchStatus(const ResourceRef& ref,
                                                       absl::string_view ns,
                                                       absl::string_view name, PatchType type,
                                                       const nlohmann::json& patch) const {
  return Call("PATCH", ref.ObjectPath(ns, name, "status"), patch.dump(), ContentTypeFor(type));
}

absl::Status RestClient::Delete(const ResourceRef& ref, absl::string_view ns,
                                absl::string_view name) const {
  return Call("DELETE", ref.ObjectPath(ns, name), "", "").status();
}

absl::StatusOr<std::unique_ptr<WatchStream>> RestClient::Watch(const ResourceRef& ref,
                                                               absl::string_view ns,
                                                               const WatchOptions& options) const {
  // Each wait for bytes may last until the server ends the watch, plus a margin.
  absl::Duration wait = absl::Seconds(options.timeout_seconds > 0 ? options.timeout_seconds : 300) +
                        absl::Seconds(30);
  absl::StatusOr<std::unique_ptr<ByteSource>> source =
      transport_->OpenStream(ref.CollectionPath(ns) + WatchQuery(options), wait);
  if (!source.ok()) return source.status();
  return std::make_unique<WatchStream>(std::move(*source));
}

}  // namespace minpriv::kube
