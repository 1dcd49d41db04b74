// Test helpers for deploy/: render the Helm chart and the plain manifests with the real
// tools (Helm 4, kubectl 1.34's kustomize) and read the objects as JSON.
#ifndef MINPRIV_TESTS_DEPLOY_RENDER_H_
#define MINPRIV_TESTS_DEPLOY_RENDER_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace minpriv::deploy_test {

struct Rendered {
  int exit_code = -1;
  std::string text;                    // stdout
  std::string errors;                  // stderr
  std::vector<nlohmann::json> objects; // every document (empty when it did not parse)
  std::string parse_error;
};

// Runs argv (no shell); stdout and stderr apart.
Rendered RunTool(const std::vector<std::string>& argv);

// `helm template minpriv deploy/helm/minpriv --namespace minpriv-system ARGS...`.
Rendered HelmTemplate(const std::vector<std::string>& args = {});
// `kubectl kustomize deploy/manifests`.
Rendered Kustomize();

// The object of that kind and name (nullptr: none).
const nlohmann::json* Find(const std::vector<nlohmann::json>& objects, const std::string& kind,
                           const std::string& name);
std::vector<nlohmann::json> OfKind(const std::vector<nlohmann::json>& objects,
                                   const std::string& kind);

// The object without the labels only Helm adds (managed-by, helm.sh/chart), in metadata and
// in a pod template.
nlohmann::json WithoutHelmLabels(nlohmann::json object);

// "kind namespace/name".
std::string Key(const nlohmann::json& object);

}  // namespace minpriv::deploy_test

#endif  // MINPRIV_TESTS_DEPLOY_RENDER_H_
