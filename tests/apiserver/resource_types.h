// The kinds the test API server serves: a built-in table plus kinds defined by CRDs.
#ifndef MINPRIV_TESTS_APISERVER_RESOURCE_TYPES_H_
#define MINPRIV_TESTS_APISERVER_RESOURCE_TYPES_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace minpriv::apiserver {

struct ResourceType {
  std::string group;     // "" for core
  std::string version;   // "v1"
  std::string resource;  // plural, "deployments"
  std::string singular;  // "deployment"
  std::string kind;      // "Deployment"
  bool namespaced = true;
  bool has_status = false;  // a status subresource
  bool from_crd = false;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  nlohmann::json printer_columns = nlohmann::json::array();  // CRD additionalPrinterColumns

  std::string GroupVersion() const { return group.empty() ? version : group + "/" + version; }
  std::string Key() const { return group + "/" + resource; }  // version-independent storage key
  std::vector<std::string> Verbs() const {
    return {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};
  }
};

// The served kinds. Not thread-safe: the store's lock guards it.
class ResourceRegistry {
 public:
  ResourceRegistry();  // the built-in kinds

  const ResourceType* Find(const std::string& group, const std::string& version,
                           const std::string& resource) const;
  // Every served group version, sorted ("" first), and the kinds of one group version.
  std::vector<std::string> Groups() const;  // non-core groups, sorted
  std::vector<std::string> Versions(const std::string& group) const;
  std::vector<const ResourceType*> InGroupVersion(const std::string& group,
                                                  const std::string& version) const;

  // Replaces the kinds a CRD object defines (its served versions); an empty json removes them.
  void ApplyCrd(const std::string& crd_name, const nlohmann::json& crd);

 private:
  std::vector<ResourceType> builtin_;
  std::map<std::string, std::vector<ResourceType>> crds_;  // by CRD name
};

}  // namespace minpriv::apiserver

#endif  // MINPRIV_TESTS_APISERVER_RESOURCE_TYPES_H_
