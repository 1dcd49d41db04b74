// The CustomResourceDefinitions of minpriv.dev/v1alpha1, built from the schema description
// kept next to the types (crd_schemas.cc) so the API and the codecs cannot drift: the
// committed files under deploy/crds/ are this module's output (`minpriv-crdgen --out-dir`),
// and crd_schema_test checks every field the codecs write is declared here.
#ifndef MINPRIV_CRD_CRD_MANIFESTS_H_
#define MINPRIV_CRD_CRD_MANIFESTS_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace minpriv::crd {

// openAPIV3Schema of each kind (the whole object: apiVersion, kind, metadata, spec, status).
nlohmann::json WorkloadProfileSchema();
nlohmann::json RemediationProposalSchema();
nlohmann::json SettingsSchema(bool cluster_scoped);

struct CrdManifest {
  std::string file_name;  // e.g. "minpriv.dev_remediationproposals.yaml"
  nlohmann::json object;  // the apiextensions.k8s.io/v1 CustomResourceDefinition
};

// Sorted by file name.
std::vector<CrdManifest> CustomResourceDefinitions();

// The file's text: a generated-file header comment, then the CRD as YAML.
std::string RenderCrdFile(const CrdManifest& crd);

}  // namespace minpriv::crd

#endif  // MINPRIV_CRD_CRD_MANIFESTS_H_
