// Renders proposal directories with the real `kubectl kustomize` and checks the narrowed
// workloads and NetworkPolicies appear; applies patch.yaml and jsonpatch.json to the
// original manifests with kustomize and checks they give the narrowed objects.
#include <stdio.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "remediator/proposer.h"
#include "remediator/test_util.h"
#include "tests/test_util.h"
#include "remediator/workload.h"
#include "remediator/yaml_io.h"
#include "util/json_format.h"
#include "util/json_parse.h"

namespace minpriv::remediator {
namespace {

using ::testing::HasSubstr;

// `kubectl kustomize DIR`; MINPRIV_KUBECTL names another kubectl (e.g. Debian's
// kubernetes-client 1.20 with kustomize v2.0.3, which scripts/setup.sh installs when no
// kubectl is present). stdout only: newer kustomize warns about deprecated fields on stderr.
std::string Kustomize(const std::string& dir, int* status, std::string* errors = nullptr) {
  const char* kubectl = std::getenv("MINPRIV_KUBECTL");
  std::string err_file = dir + ".stderr";
  std::string cmd = absl::StrCat("'", kubectl && *kubectl ? kubectl : "kubectl", "' kustomize '",
                                 dir, "' 2>'", err_file, "'");
  FILE* f = popen(cmd.c_str(), "r");
  std::string out;
  if (f == nullptr) {
    *status = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  int rc = pclose(f);
  *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  auto err = util::ReadFile(err_file);
  if (errors) *errors = err.ok() ? *err : "";
  if (*status != 0 && err.ok()) out += *err;
  return out;
}

// Whether the kubectl in use embeds kustomize v2 (kubectl < 1.21, e.g. Debian 12's
// kubernetes-client 1.20): its built-in OpenAPI schema predates batch/v1 CronJob.
bool KustomizeV2() {
  const char* kubectl = std::getenv("MINPRIV_KUBECTL");
  std::string cmd = absl::StrCat("'", kubectl && *kubectl ? kubectl : "kubectl",
                                 "' version --client 2>/dev/null");
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return false;
  std::string out;
  char buf[1024];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  pclose(f);
  // kubectl >= 1.21 prints "Kustomize Version: v4/v5"; 1.20 prints Go-struct version info.
  return !out.empty() && out.find("Kustomize Version") == std::string::npos;
}

// kustomize's patch target: the group and version of apiVersion ("apps/v1"; "" for "v1").
std::string Json6902Target(const nlohmann::json& target) {
  std::string api = target.at("apiVersion").get<std::string>();
  std::string group, version = api;
  if (size_t slash = api.find('/'); slash != std::string::npos) {
    group = api.substr(0, slash);
    version = api.substr(slash + 1);
  }
  std::string out = "    target:\n";
  if (!group.empty()) absl::StrAppend(&out, "      group: ", group, "\n");
  absl::StrAppend(&out, "      version: ", version, "\n      kind: ", target.at("kind").get<std::string>(),
                  "\n      name: ", target.at("name").get<std::string>(), "\n");
  std::string ns = target.at("namespace").get<std::string>();
  if (!ns.empty()) absl::StrAppend(&out, "      namespace: ", ns, "\n");
  return out;
}

// JSON with object keys sorted and merge-keyed lists (name / mountPath) sorted, so that
// strategic merge's ordering of new list items does not matter.
nlohmann::ordered_json Canonical(const nlohmann::ordered_json& j) {
  using nlohmann::ordered_json;
  if (j.is_object()) {
    std::vector<std::pair<std::string, ordered_json>> members;
    for (const auto& [k, v] : j.items()) members.emplace_back(k, v);
    std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    ordered_json out = ordered_json::object();
    for (const auto& [k, v] : members) out[k] = Canonical(v);
    return out;
  }
  if (j.is_array()) {
    std::vector<ordered_json> items;
    for (const auto& i : j) items.push_back(Canonical(i));
    auto key = [](const ordered_json& x) -> std::string {
      if (!x.is_object()) return "";
      for (const auto& [k, v] : x.items()) {
        if (k == "name" || k == "mountPath") return v.is_string() ? v.get<std::string>() : util::DumpCompact(v);
      }
      return "";
    };
    if (!items.empty() && !key(items[0]).empty()) {
      std::stable_sort(items.begin(), items.end(),
                       [&](const ordered_json& a, const ordered_json& b) { return key(a) < key(b); });
    }
    return ordered_json(std::move(items));
  }
  return j;
}

// Canonical JSON of every non-NetworkPolicy object in a kustomize rendering, by kind/name.
std::map<std::string, std::string> Objects(const std::string& rendered) {
  std::map<std::string, std::string> out;
  auto docs = ParseYamlDocuments(rendered, "kustomize");
  if (!docs.ok()) return {{"error", std::string(docs.status().message())}};
  for (const auto& d : *docs) {
    if (ObjectKind(d.node) == "NetworkPolicy") continue;
    out[absl::StrCat(ObjectKind(d.node), "/", ObjectName(d.node))] = util::DumpCompact(Canonical(YamlToJson(d.node)));
  }
  return out;
}

void WriteText(const std::string& path, const std::string& text) {
  ASSERT_TRUE(util::WriteFileAtomic(path, text).ok());
}

class KustomizeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(KustomizeTest, RendersNarrowedWorkloadsAndPolicies) {
  std::string dir = testing::TestData() + "/" + GetParam();
  testing::CaseInputs inputs = testing::CaseFiles(dir);
  auto proposal = testing::ProposeFromFiles(inputs);
  ASSERT_TRUE(proposal.ok()) << proposal.status();
  auto files = RenderProposal(*proposal);
  test::TempDir tmp;
  std::string out = tmp.path() + "/proposal";
  ASSERT_TRUE(WriteProposalDir(files, out, false).ok());
  int status = 0;
  std::string rendered = Kustomize(out, &status);
  ASSERT_EQ(status, 0) << rendered;
  auto docs = ParseYamlDocuments(rendered, "kustomize");
  ASSERT_TRUE(docs.ok()) << docs.status();
  for (const auto& w : proposal->workloads) {
    bool policy_found = false, workload_found = false;
    for (const auto& d : *docs) {
      if (ObjectKind(d.node) == "NetworkPolicy" && ObjectName(d.node) == w.name + "-minpriv") {
        policy_found = true;
        EXPECT_THAT(EmitYaml(d.node), HasSubstr("- Egress"));
      }
      if (ObjectKind(d.node) == w.kind && ObjectName(d.node) == w.name) {
        workload_found = true;
        std::string yaml = EmitYaml(d.node);
        for (const auto& c : w.containers) {
          if (c.seccomp_referenced) {
            EXPECT_THAT(yaml, HasSubstr(absl::StrCat("localhostProfile: minpriv/", c.seccomp_name, ".json")));
          }
        }
        EXPECT_THAT(yaml, HasSubstr("drop:\n"));
        EXPECT_THAT(yaml, HasSubstr("privileged: false"));
      }
    }
    EXPECT_TRUE(policy_found) << w.name;
    EXPECT_TRUE(workload_found) << w.name;
  }
  std::map<std::string, std::string> narrowed = Objects(rendered);

  // Original manifest + patch.yaml (strategic merge) must give the same objects.
  std::string smp = tmp.path() + "/smp";
  std::filesystem::create_directories(smp);
  std::string resources;
  for (size_t i = 0; i < inputs.manifests.size(); ++i) {
    std::string name = absl::StrCat("m", i, ".yaml");
    std::filesystem::copy_file(inputs.manifests[i], smp + "/" + name);
    absl::StrAppend(&resources, "  - ", name, "\n");
  }
  WriteText(smp + "/patch.yaml", files.at("patch.yaml"));
  // patchesStrategicMerge / patchesJson6902: the forms both kustomize v2.0.3 (kubectl 1.20)
  // and v5 accept (v5 only warns that they are deprecated); v2 rejects `patches: - path:`.
  WriteText(smp + "/kustomization.yaml",
            absl::StrCat("resources:\n", resources, "patchesStrategicMerge:\n  - patch.yaml\n"));
  std::string smp_rendered = Kustomize(smp, &status);
  ASSERT_EQ(status, 0) << smp_rendered;
  std::map<std::string, std::string> smp_objects = Objects(smp_rendered);
  std::map<std::string, std::string> smp_expected = narrowed;
  if (KustomizeV2()) {
    // kustomize v2 has no schema for batch/v1 CronJob (GA in Kubernetes 1.21), so its
    // strategic merge replaces the containers list instead of merging by name; the API
    // server (kubectl patch/apply) merges it correctly. Checked with jsonpatch below.
    std::erase_if(smp_objects, [](const auto& kv) { return kv.first.rfind("CronJob/", 0) == 0; });
    std::erase_if(smp_expected, [](const auto& kv) { return kv.first.rfind("CronJob/", 0) == 0; });
  }
  EXPECT_EQ(smp_objects, smp_expected);

  // Original manifest + jsonpatch.json (RFC 6902 per target).
  std::string jp = tmp.path() + "/jsonpatch";
  std::filesystem::create_directories(jp);
  for (size_t i = 0; i < inputs.manifests.size(); ++i) {
    std::filesystem::copy_file(inputs.manifests[i], jp + absl::StrCat("/m", i, ".yaml"));
  }
  auto patches = util::ParseJson(files.at("jsonpatch.json"), "jsonpatch.json");
  ASSERT_TRUE(patches.ok()) << patches.status();
  std::string kust = absl::StrCat("resources:\n", resources, "patchesJson6902:\n");
  int n = 0;
  for (const auto& entry : *patches) {
    std::string file = absl::StrCat("p", n++, ".json");
    WriteText(jp + "/" + file, util::DumpPretty(entry.at("patch")));
    absl::StrAppend(&kust, "  - path: ", file, "\n", Json6902Target(entry.at("target")));
  }
  WriteText(jp + "/kustomization.yaml", kust);
  std::string jp_rendered = Kustomize(jp, &status);
  ASSERT_EQ(status, 0) << jp_rendered;
  EXPECT_EQ(Objects(jp_rendered), narrowed);
}

INSTANTIATE_TEST_SUITE_P(Cases, KustomizeTest,
                         ::testing::Values("helm-deployment", "statefulset", "cronjob",
                                           "multi-container-pod", "kubectl-list"));

}  // namespace
}  // namespace minpriv::remediator
