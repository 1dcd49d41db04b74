// What of the verifying machine a replay can reach: hostPath volumes (--host-paths),
// secret/configMap/projected/downwardAPI placeholders, host namespaces and resource limits.
#include <sys/stat.h>

#include <algorithm>
#include <string>

#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "util/files.h"
#include "verifier/oci_spec.h"
#include "verifier/workload.h"

namespace minpriv::verifier {
namespace {

SpecInputs Inputs(const std::string& yaml) {
  auto w = ParseWorkloads(yaml, "test.yaml");
  EXPECT_TRUE(w.ok()) << w.status();
  SpecInputs in;
  if (!w.ok() || w->empty()) return in;
  in.pod = (*w)[0];
  in.container = in.pod.containers[0];
  in.args = {"/bin/true"};
  for (const auto& v : in.pod.volumes) {
    if (v.type == Volume::Type::kHostPath) in.host_path_sources[v.name] = "/B/hostpath-" + v.name;
    if (v.type == Volume::Type::kPlaceholder) {
      in.placeholder_sources[v.name] = "/B/placeholder-" + v.name;
    }
  }
  return in;
}

std::string HostPathPod(const std::string& path, const std::string& type) {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n"
         "    volumeMounts: [{name: h, mountPath: /data}]\n  volumes:\n  - name: h\n"
         "    hostPath: {path: " + path + (type.empty() ? "" : ", type: " + type) + "}\n";
}

const nlohmann::json* MountAt(const OciSpec& spec, const std::string& dest) {
  for (const auto& m : spec.config["mounts"]) {
    if (m["destination"] == dest) return &m;
  }
  return nullptr;
}

bool HasOption(const nlohmann::json& m, const std::string& opt) {
  const auto& o = m["options"];
  return std::find(o.begin(), o.end(), opt) != o.end();
}

bool NoteContains(const OciSpec& spec, const std::string& text) {
  return std::any_of(spec.notes.begin(), spec.notes.end(),
                     [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

TEST(OciSpecIsolationTest, HostPathIsAScratchDirectoryByDefault) {
  auto spec = BuildOciSpec(Inputs(HostPathPod("/var/lib/x", "")));
  ASSERT_TRUE(spec.ok()) << spec.status();
  const nlohmann::json* m = MountAt(*spec, "/data");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ((*m)["source"], "/B/hostpath-h");
  EXPECT_TRUE(NoteContains(*spec, "--host-paths=scratch"));
  EXPECT_TRUE(NoteContains(*spec, "nothing of this host is mounted"));
}

TEST(OciSpecIsolationTest, ReadOnlyBindsTheHostPathReadOnlyAndChecksItsType) {
  test::TempDir tmp("/tmp/minpriv-oci-hostpath-");
  SpecInputs in = Inputs(HostPathPod(tmp.path(), "Directory"));
  in.host_paths = HostPathMode::kReadOnly;
  auto spec = BuildOciSpec(in);
  ASSERT_TRUE(spec.ok()) << spec.status();
  const nlohmann::json* m = MountAt(*spec, "/data");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ((*m)["source"], tmp.path());
  for (const char* opt : {"ro", "nosuid", "nodev"}) EXPECT_TRUE(HasOption(*m, opt)) << opt;
  EXPECT_FALSE(HasOption(*m, "rw"));
  EXPECT_EQ(std::count(spec->writable_paths.begin(), spec->writable_paths.end(), "/data"), 0);
  EXPECT_TRUE(NoteContains(*spec, "--host-paths=readonly"));

  // type: File at a directory, and a path that does not exist, are input errors.
  SpecInputs file = Inputs(HostPathPod(tmp.path(), "File"));
  file.host_paths = HostPathMode::kReadOnly;
  EXPECT_EQ(BuildOciSpec(file).status().code(), absl::StatusCode::kInvalidArgument);
  SpecInputs missing = Inputs(HostPathPod(tmp.path() + "/nope", ""));
  missing.host_paths = HostPathMode::kReadOnly;
  EXPECT_EQ(BuildOciSpec(missing).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(OciSpecIsolationTest, BindIsNamedInTheNotes) {
  test::TempDir tmp("/tmp/minpriv-oci-hostpath-");
  SpecInputs in = Inputs(HostPathPod(tmp.path(), ""));
  in.host_paths = HostPathMode::kBind;
  auto spec = BuildOciSpec(in);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ((*MountAt(*spec, "/data"))["source"], tmp.path());
  EXPECT_TRUE(NoteContains(*spec, "--host-paths=bind"));
}

TEST(OciSpecIsolationTest, SubPathCannotLeaveTheScratchDirectory) {
  for (const char* sub : {"../../../etc", "/etc", "a/../../b"}) {
    SpecInputs in = Inputs(HostPathPod("/var/lib/x", ""));
    in.container.volume_mounts[0].sub_path = sub;
    EXPECT_EQ(BuildOciSpec(in).status().code(), absl::StatusCode::kInvalidArgument) << sub;
  }
  SpecInputs ok = Inputs(HostPathPod("/var/lib/x", ""));
  ok.container.volume_mounts[0].sub_path = "a/b";
  auto spec = BuildOciSpec(ok);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ((*MountAt(*spec, "/data"))["source"], "/B/hostpath-h/a/b");
}

TEST(OciSpecIsolationTest, ModeNamesRoundTrip) {
  for (auto mode : {HostPathMode::kScratch, HostPathMode::kReadOnly, HostPathMode::kBind}) {
    EXPECT_EQ(ParseHostPathMode(HostPathModeName(mode)), mode);
  }
  EXPECT_FALSE(ParseHostPathMode("rw").has_value());
}

TEST(OciSpecIsolationTest, SecretsAndConfigMapsArePlaceholders) {
  auto w = ParseWorkloads(R"(apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    volumeMounts:
    - {name: tls, mountPath: /tls}
    - {name: conf, mountPath: /conf}
    - {name: all, mountPath: /all}
  volumes:
  - name: tls
    secret: {secretName: t, items: [{key: crt, path: tls.crt}, {key: k, path: keys/tls.key}]}
  - name: conf
    configMap: {name: c}
  - name: all
    projected:
      sources:
      - serviceAccountToken: {path: token}
      - downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}
)",
                          "test.yaml");
  ASSERT_TRUE(w.ok()) << w.status();
  const auto& vols = (*w)[0].volumes;
  ASSERT_EQ(vols.size(), 3u);
  EXPECT_EQ(vols[0].type, Volume::Type::kPlaceholder);
  EXPECT_EQ(vols[0].keys, (std::vector<std::string>{"keys/tls.key", "tls.crt"}));
  EXPECT_TRUE(vols[0].keys_known);
  EXPECT_TRUE(vols[1].keys.empty());
  EXPECT_FALSE(vols[1].keys_known);
  EXPECT_EQ(vols[2].keys, (std::vector<std::string>{"labels", "token"}));
  EXPECT_TRUE(vols[2].keys_known);

  SpecInputs in;
  in.pod = (*w)[0];
  in.container = in.pod.containers[0];
  in.args = {"/bin/true"};
  for (const auto& v : in.pod.volumes) in.placeholder_sources[v.name] = "/B/ph-" + v.name;
  auto spec = BuildOciSpec(in);
  ASSERT_TRUE(spec.ok()) << spec.status();
  for (const char* dest : {"/tls", "/conf", "/all"}) {
    const nlohmann::json* m = MountAt(*spec, dest);
    ASSERT_NE(m, nullptr) << dest;
    EXPECT_TRUE(HasOption(*m, "ro")) << dest;
    EXPECT_EQ(std::count(spec->writable_paths.begin(), spec->writable_paths.end(), dest), 0);
  }
  EXPECT_TRUE(NoteContains(*spec, "volume tls (secret) is a read-only placeholder with the keys "
                                  "keys/tls.key, tls.crt"));
  EXPECT_TRUE(NoteContains(*spec, "volume conf (configMap) is a read-only placeholder with no "
                                  "keys; its other keys are unknown"));
}

TEST(OciSpecIsolationTest, HostNamespacesAreNotSharedAndSaySo) {
  auto spec = BuildOciSpec(Inputs(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true\n"
      "  hostIPC: true\n  hostNetwork: true\n  containers:\n  - name: c\n"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  std::vector<std::string> types;
  for (const auto& ns : spec->config["linux"]["namespaces"]) types.push_back(ns["type"]);
  EXPECT_EQ(types, (std::vector<std::string>{"pid", "ipc", "uts", "mount"}));
  EXPECT_TRUE(NoteContains(*spec, "hostPID and hostIPC not reproduced"));
  EXPECT_TRUE(NoteContains(*spec, "hostNetwork is not reproduced"));
}

TEST(OciSpecIsolationTest, ResourceLimitsFromTheManifestOrDefaults) {
  auto defaults = BuildOciSpec(
      Inputs("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
             "  - name: c\n"));
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->config["linux"]["resources"]["memory"]["limit"], 1ull << 30);
  EXPECT_EQ(defaults->config["linux"]["resources"]["pids"]["limit"], 4096);
  EXPECT_TRUE(NoteContains(*defaults, "no memory limit"));
  auto set = BuildOciSpec(
      Inputs("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
             "  - name: c\n    resources: {limits: {memory: 64Mi}}\n"));
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->config["linux"]["resources"]["memory"]["limit"], 64ull << 20);
  auto bad = BuildOciSpec(
      Inputs("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
             "  - name: c\n    resources: {limits: {memory: lots}}\n"));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace minpriv::verifier
