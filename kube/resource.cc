#include "kube/resource.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace minpriv::kube {

std::string ResourceRef::GroupVersionPath() const {
  return group.empty() ? absl::StrCat("/api/", version)
                       : absl::StrCat("/apis/", group, "/", version);
}

std::string ResourceRef::CollectionPath(absl::string_view ns) const {
  if (namespaced && !ns.empty()) {
    return absl::StrCat(GroupVersionPath(), "/namespaces/", QueryEscape(ns), "/", resource);
  }
  return absl::StrCat(GroupVersionPath(), "/", resource);
}

std::string ResourceRef::ObjectPath(absl::string_view ns, absl::string_view name,
                                    absl::string_view subresource) const {
  std::string path = absl::StrCat(CollectionPath(ns), "/", QueryEscape(name));
  if (!subresource.empty()) absl::StrAppend(&path, "/", subresource);
  return path;
}

std::string ResourceRef::DisplayName() const {
  return group.empty() ? resource : absl::StrCat(resource, ".", group);
}

std::string QueryEscape(absl::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (unsigned char c : value) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

namespace {
std::string Join(const std::vector<std::string>& params) {
  return params.empty() ? "" : absl::StrCat("?", absl::StrJoin(params, "&"));
}
}  // namespace

std::string ListQuery(const ListOptions& options) {
  std::vector<std::string> params;
  if (!options.label_selector.empty()) {
    params.push_back(absl::StrCat("labelSelector=", QueryEscape(options.label_selector)));
  }
  if (!options.field_selector.empty()) {
    params.push_back(absl::StrCat("fieldSelector=", QueryEscape(options.field_selector)));
  }
  if (options.limit > 0) params.push_back(absl::StrCat("limit=", options.limit));
  if (!options.continue_token.empty()) {
    params.push_back(absl::StrCat("continue=", QueryEscape(options.continue_token)));
  }
  if (!options.resource_version.empty()) {
    params.push_back(absl::StrCat("resourceVersion=", QueryEscape(options.resource_version)));
  }
  return Join(params);
}

std::string WatchQuery(const WatchOptions& options) {
  std::vector<std::string> params = {"watch=true"};
  if (options.allow_bookmarks) params.push_back("allowWatchBookmarks=true");
  if (!options.label_selector.empty()) {
    params.push_back(absl::StrCat("labelSelector=", QueryEscape(options.label_selector)));
  }
  if (!options.field_selector.empty()) {
    params.push_back(absl::StrCat("fieldSelector=", QueryEscape(options.field_selector)));
  }
  if (!options.resource_version.empty()) {
    params.push_back(absl::StrCat("resourceVersion=", QueryEscape(options.resource_version)));
  }
  if (options.timeout_seconds > 0) {
    params.push_back(absl::StrCat("timeoutSeconds=", options.timeout_seconds));
  }
  return Join(params);
}

}  // namespace minpriv::kube
