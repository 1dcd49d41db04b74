// Which chart of the repository renders the workload: each chart rendered with the real
// `helm template` (release named after the chart, else after the workload; namespace the
// workload's) and searched for the workload's kind and name.
#include <algorithm>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crd/yaml_input.h"
#include "gitops/sources/helm.h"
#include "gitops/sources/tools.h"

namespace minpriv::gitops {

absl::StatusOr<HelmRender> RenderChart(const std::string& tree, const std::string& chart_dir,
                                       const std::string& release, const std::string& ns,
                                       const std::vector<std::string>& values_files,
                                       const std::string& extra_file) {
  std::vector<std::string> argv = {HelmBinary(), "template", release,
                                   tree + "/" + (chart_dir.empty() ? "." : chart_dir)};
  if (!ns.empty()) {
    argv.push_back("--namespace");
    argv.push_back(ns);
  }
  for (const std::string& f : values_files) {
    argv.push_back("-f");
    argv.push_back(tree + "/" + f);
  }
  if (!extra_file.empty()) {
    argv.push_back("-f");
    argv.push_back(extra_file);
  }
  absl::StatusOr<std::string> out = RunTool(argv);
  if (!out.ok()) return out.status();
  HelmRender render;
  // Documents one by one, to keep each one's "# Source:" line.
  std::vector<std::string> chunks;
  std::string chunk;
  for (absl::string_view line : absl::StrSplit(*out, '\n')) {
    if (line == "---" || absl::StartsWith(line, "--- ")) {
      chunks.push_back(std::move(chunk));
      chunk.clear();
      continue;
    }
    absl::StrAppend(&chunk, line, "\n");
  }
  chunks.push_back(std::move(chunk));
  for (const std::string& c : chunks) {
    auto docs = crd::LoadYamlDocuments(c, "helm template " + chart_dir, "rendered manifest");
    if (!docs.ok()) return docs.status();
    std::string source;
    if (size_t at = c.find("# Source: "); at != std::string::npos) {
      size_t end = c.find('\n', at);
      source = c.substr(at + 10, end - at - 10);
    }
    for (const YAML::Node& o : RenderedObjects(*docs)) {
      render.objects.push_back(o);
      render.sources.push_back(source);
    }
  }
  return render;
}

namespace {

bool IsYamlName(const std::string& path) {
  return absl::EndsWith(path, ".yaml") || absl::EndsWith(path, ".yml");
}

// The chart's values files: each of `given` found relative to the chart, else to the
// repository root; then `paths` that are YAML files of the chart other than its own
// Chart.yaml, values.yaml and templates (a --path or annotation naming values-prod.yaml).
absl::StatusOr<std::vector<std::string>> ValuesFilesFor(const RepoIndex& index, const Chart& chart,
                                                        const std::vector<std::string>& given,
                                                        const std::vector<std::string>& paths) {
  const std::string prefix = chart.dir.empty() ? "" : chart.dir + "/";
  std::vector<std::string> out;
  auto add = [&out](const std::string& f) {
    if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
  };
  for (const std::string& f : given) {
    std::string rel = std::filesystem::path(f).lexically_normal().string();
    if (std::filesystem::is_regular_file(index.root + "/" + prefix + rel)) {
      add(prefix + rel);
    } else if (std::filesystem::is_regular_file(index.root + "/" + rel)) {
      add(rel);
    } else {
      return absl::NotFoundError(absl::StrCat("values file ", f, " is neither in chart ",
                                              chart.dir.empty() ? "." : chart.dir,
                                              " nor in the repository"));
    }
  }
  for (const std::string& p : paths) {
    const std::string rel = std::filesystem::path(p).lexically_normal().string();
    if (!IsYamlName(rel) || !UnderPath(rel, chart.dir) || rel == prefix + "Chart.yaml" ||
        rel == prefix + "values.yaml" || UnderPath(rel, prefix + "templates") ||
        UnderPath(rel, prefix + "charts") || !std::filesystem::is_regular_file(index.root + "/" + rel)) {
      continue;
    }
    add(rel);
  }
  return out;
}

}  // namespace

std::vector<ChartSite> FindChartSites(const RepoIndex& index, const WorkloadRef& ref,
                                      const std::vector<std::string>& paths,
                                      const std::vector<std::string>& values_files,
                                      std::vector<std::string>* failures) {
  std::vector<ChartSite> out;
  for (const Chart& chart : index.charts) {
    if (!paths.empty()) {
      bool wanted = false;
      for (const std::string& p : paths) {
        if (UnderPath(chart.dir, p) || UnderPath(p, chart.dir)) wanted = true;
      }
      if (!wanted) continue;
    }
    absl::StatusOr<std::vector<std::string>> values = ValuesFilesFor(index, chart, values_files, paths);
    if (!values.ok()) {
      failures->push_back(std::string(values.status().message()));
      continue;
    }
    for (const std::string& release : {chart.name, ref.name}) {
      absl::StatusOr<HelmRender> render =
          RenderChart(index.root, chart.dir, release, ref.namespace_, *values);
      if (!render.ok()) {
        failures->push_back(absl::StrCat("chart ", chart.dir, " does not render: ",
                                         render.status().message()));
        break;
      }
      bool found = false;
      for (size_t i = 0; i < render->objects.size(); ++i) {
        const YAML::Node& o = render->objects[i];
        const std::string ns = ObjectNamespace(o);
        if (ScalarAt(o, "kind") != ref.kind || ScalarAt(Child(o, "metadata"), "name") != ref.name ||
            (!ns.empty() && ns != ref.namespace_)) {
          continue;
        }
        // "<chart name>/templates/x.yaml" → "<chart dir>/templates/x.yaml"
        std::string tpl = render->sources[i];
        if (size_t slash = tpl.find('/'); slash != std::string::npos) tpl = tpl.substr(slash + 1);
        out.push_back({&chart, release, ref.namespace_,
                       chart.dir.empty() ? tpl : chart.dir + "/" + tpl, *values});
        found = true;
        break;
      }
      if (found || release == ref.name) break;
    }
  }
  return out;
}

}  // namespace minpriv::gitops
