#include "tests/deploy/render.h"

#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <optional>

#include "crd/yaml_json.h"
#include "util/files.h"
#include "util/process.h"

namespace minpriv::deploy_test {

using nlohmann::json;

Rendered RunTool(const std::vector<std::string>& argv) {
  Rendered r;
  // Output to files of a private directory; the handle owns the tool's process group, so a
  // tool that hangs is killed with everything it started.
  char tmpl[] = "/tmp/minpriv-deploy-tool.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return r;
  const std::string dir = tmpl;
  util::SpawnOptions options;
  options.stdout_path = dir + "/stdout";
  options.stderr_path = dir + "/stderr";
  options.search_path = false;
  absl::StatusOr<util::Process> tool = util::Process::Spawn(argv, options);
  if (tool.ok()) {
    std::optional<int> status = tool->WaitFor(absl::Seconds(120));
    if (!status) tool->Kill();
    r.exit_code = status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
    r.text = util::ReadFile(options.stdout_path).value_or("");
    r.errors = util::ReadFile(options.stderr_path).value_or("");
    if (!status) r.errors += "\n(killed after 120 s)";
  } else {
    r.errors = std::string(tool.status().message());
  }
  std::filesystem::remove_all(dir);
  auto docs = crd::ParseYamlDocuments(r.text, argv[0]);
  if (docs.ok()) {
    r.objects = *std::move(docs);
  } else {
    r.parse_error = std::string(docs.status().message());
  }
  return r;
}

Rendered HelmTemplate(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {HELM_BINARY, "template", "minpriv",
                                   std::string(MINPRIV_SOURCE_DIR) + "/deploy/helm/minpriv",
                                   "--namespace", "minpriv-system"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunTool(argv);
}

Rendered Kustomize() {
  return RunTool({KUBECTL_BINARY, "kustomize", std::string(MINPRIV_SOURCE_DIR) + "/deploy/manifests"});
}

const json* Find(const std::vector<json>& objects, const std::string& kind,
                 const std::string& name) {
  for (const json& o : objects) {
    if (o.value("kind", "") == kind &&
        o.value("metadata", json::object()).value("name", "") == name) {
      return &o;
    }
  }
  return nullptr;
}

std::vector<json> OfKind(const std::vector<json>& objects, const std::string& kind) {
  std::vector<json> out;
  for (const json& o : objects) {
    if (o.value("kind", "") == kind) out.push_back(o);
  }
  return out;
}

json WithoutHelmLabels(json o) {
  auto strip = [](json& meta) {
    if (!meta.is_object() || !meta.contains("labels")) return;
    meta["labels"].erase("app.kubernetes.io/managed-by");
    meta["labels"].erase("helm.sh/chart");
  };
  strip(o["metadata"]);
  if (o.contains("spec") && o["spec"].contains("template")) strip(o["spec"]["template"]["metadata"]);
  return o;
}

std::string Key(const json& o) {
  const json m = o.value("metadata", json::object());
  return o.value("kind", "?") + " " + m.value("namespace", "") + "/" + m.value("name", "?");
}

}  // namespace minpriv::deploy_test
