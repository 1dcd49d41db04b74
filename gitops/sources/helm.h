// Helm internals shared by helm_find.cc (which chart renders the workload), helm_values.cc
// (which values reach which field, and the values edit) and helm_template_edit.cc (the
// smallest template change where no value does).
#ifndef MINPRIV_GITOPS_SOURCES_HELM_H_
#define MINPRIV_GITOPS_SOURCES_HELM_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gitops/sources/edits.h"
#include "nlohmann/json.hpp"
#include "yaml-cpp/yaml.h"

namespace minpriv::gitops {

struct HelmRender {
  std::vector<YAML::Node> objects;
  std::vector<std::string> sources;  // per object: its "# Source:" template, chart-relative
};

// `helm template RELEASE TREE/CHART_DIR --namespace NS [-f VALUES]...`; `values_files` are
// TREE-relative, `extra_file` (a probe) absolute and last.
absl::StatusOr<HelmRender> RenderChart(const std::string& tree, const std::string& chart_dir,
                                       const std::string& release, const std::string& ns,
                                       const std::vector<std::string>& values_files = {},
                                       const std::string& extra_file = "");

// `template_text` (the chart template at `path` that renders the workload) with `ops`
// applied to its literal YAML: Go template actions are masked while the text is edited in
// place, and put back. FailedPrecondition when the template's YAML around the change is
// not literal.
absl::StatusOr<std::string> EditTemplate(const std::string& template_text,
                                         const std::string& path, const WorkloadRef& ref,
                                         const nlohmann::ordered_json& ops);

}  // namespace minpriv::gitops

#endif  // MINPRIV_GITOPS_SOURCES_HELM_H_
