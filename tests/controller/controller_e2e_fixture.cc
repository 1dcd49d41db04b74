#include "tests/controller/controller_e2e_fixture.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "tests/test_util.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "controller/resources.h"
#include "crd/names.h"
#include "crd/object_meta.h"
#include "crd/profile_json.h"
#include "crd/remediation_proposal_json.h"
#include "kube/config.h"

namespace minpriv::controller::testing {

using nlohmann::json;

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

void ControllerE2eTest::SetUp() {
  char tmpl[] = "/tmp/minpriv-controller-e2e-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  dir_ = tmpl;
  auto server = kube::testing::TestApiServer::Start(server_args_);
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = *std::move(server);
  auto config = kube::LoadKubeconfig(server_->kubeconfig());
  ASSERT_TRUE(config.ok()) << config.status();
  auto client = kube::RestClient::Create(*config);
  ASSERT_TRUE(client.ok()) << client.status();
  client_ = *std::move(client);
  for (const char* crd : {"workloadprofiles", "remediationproposals", "minprivsettings",
                          "clusterminprivsettings"}) {
    std::string out;
    ASSERT_EQ(Kubectl({"apply", "-f", absl::StrCat(MINPRIV_CRD_DIR, "/minpriv.dev_", crd, ".yaml")},
                      &out),
              0)
        << out;
  }
}

void ControllerE2eTest::TearDown() {
  for (auto& [id, p] : controllers_) {
    if (!p.exited()) p.Stop(absl::Seconds(5));
    if (HasFailure()) std::fprintf(stderr, "---- %s.log\n%s\n", id.c_str(), ControllerLog(id).c_str());
  }
  controllers_.clear();
  server_.reset();
  std::system(absl::StrCat("rm -rf ", Quote(dir_)).c_str());
}

int ControllerE2eTest::Kubectl(const std::vector<std::string>& args, std::string* out) {
  std::vector<std::string> argv = {"--kubeconfig", server_->kubeconfig()};
  argv.insert(argv.end(), args.begin(), args.end());
  test::RunResult r =
      test::RunBinary(MINPRIV_KUBECTL, argv, dir_, "kubectl", /*merge_stderr=*/true);
  if (out != nullptr) *out = r.out;
  return r.exit_code;
}

void ControllerE2eTest::Apply(const std::string& yaml) {
  const std::string file = dir_ + "/apply.yaml";
  std::ofstream(file) << yaml;
  std::string out;
  ASSERT_EQ(Kubectl({"apply", "-f", file}, &out), 0) << out;
}

size_t ControllerE2eTest::StartController(const std::string& id,
                                          const std::vector<std::string>& extra) {
  const std::string kubeconfig =
      controller_kubeconfig_.empty() ? server_->kubeconfig() : controller_kubeconfig_;
  std::vector<std::string> argv = {MINPRIV_BINARY,   "controller",      "--kubeconfig",
                                   kubeconfig,       "--quiet-period",  "1s",
                                   "--min-window",   "2s",              "--max-window",
                                   "60s",            "--identity",      id};
  argv.insert(argv.end(), extra.begin(), extra.end());
  util::SpawnOptions o;
  o.stdout_path = dir_ + "/" + id + ".log";
  o.stderr_to_stdout = true;
  o.search_path = false;
  auto p = util::Process::Spawn(argv, o);
  EXPECT_TRUE(p.ok()) << p.status();
  controllers_.emplace_back(id, *std::move(p));
  return controllers_.size() - 1;
}

std::string ControllerE2eTest::ControllerLog(const std::string& id) {
  return ReadFile(dir_ + "/" + id + ".log");
}

bool ControllerE2eTest::WaitFor(const std::function<bool()>& fn, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (fn()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return fn();
}

void ControllerE2eTest::CreateNamespace(const std::string& ns) {
  Apply(absl::StrCat("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ", ns, "\n"));
}

void ControllerE2eTest::CreateDeployment(const std::string& ns, const std::string& name) {
  Apply(absl::StrCat(R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: )", name, "\n  namespace: ", ns, R"(
spec:
  replicas: 2
  selector:
    matchLabels: {app: )", name, R"(}
  template:
    metadata:
      labels: {app: )", name, R"(}
    spec:
      containers:
      - name: app
        image: shop:1
        ports:
        - containerPort: 8080
)"));
}

void ControllerE2eTest::CreateRunningPod(const std::string& ns, const std::string& name,
                                         const std::string& app, const std::string& node) {
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"app", app}}}}},
              {"spec",
               {{"nodeName", node},
                {"containers", json::array({{{"name", "app"}, {"image", "shop:1"}}})}}}};
  ASSERT_TRUE(client_->Create(kPods, ns, pod).ok());
  ASSERT_TRUE(client_
                  ->PatchStatus(kPods, ns, name, kube::PatchType::kMerge,
                                {{"status", {{"phase", "Running"}, {"podIP", "10.1.0.7"}}}})
                  .ok());
}

void ControllerE2eTest::CreatePartial(const std::string& ns, const std::string& workload,
                                      const std::string& node,
                                      const std::vector<std::string>& syscalls) {
  PartialSpec spec;
  spec.workload = workload;
  spec.node = node;
  spec.syscalls = syscalls;
  CreatePartial(ns, spec);
}

void ControllerE2eTest::CreatePartial(const std::string& ns, const PartialSpec& spec) {
  crd::WorkloadProfile p;
  p.name = crd::PartialProfileName(spec.kind, spec.workload, spec.node);
  p.namespace_ = ns;
  p.labels = {{crd::kNodeLabel, spec.node},
              {crd::kWorkloadKindLabel, spec.kind},
              {crd::kWorkloadNameLabel, spec.workload}};
  p.target = {spec.api_version, spec.kind, spec.workload};
  crd::ContainerProfile c;
  c.name = "app";
  c.syscalls = spec.syscalls;
  c.network.listen.push_back({8080, "TCP", ""});
  c.network.egress = spec.egress;
  p.containers.push_back(c);
  p.status.window = {"2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z"};
  json obj = crd::WorkloadProfileToJson(p);
  auto created = client_->Create(kProfiles, ns, obj);
  ASSERT_TRUE(created.ok()) << created.status();
}

void ControllerE2eTest::CreateOwnedRunningPod(const std::string& ns, const std::string& name,
                                              const std::string& owner_kind,
                                              const std::string& owner_name,
                                              const std::string& node) {
  const WorkloadKind* kind = FindWorkloadKind(owner_kind);
  ASSERT_NE(kind, nullptr);
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata",
               {{"name", name},
                {"namespace", ns},
                {"ownerReferences",
                 json::array({{{"apiVersion", kind->api_version},
                               {"kind", kind->kind},
                               {"name", owner_name},
                               {"uid", "uid-" + owner_name},
                               {"controller", true}}})}}},
              {"spec",
               {{"nodeName", node},
                {"containers", json::array({{{"name", "app"}, {"image", "shop:1"}}})}}}};
  ASSERT_TRUE(client_->Create(kPods, ns, pod).ok());
  ASSERT_TRUE(client_
                  ->PatchStatus(kPods, ns, name, kube::PatchType::kMerge,
                                {{"status", {{"phase", "Running"}, {"podIP", "10.1.0.8"}}}})
                  .ok());
}

void ControllerE2eTest::MergePatch(const std::string& resource, const std::string& ns,
                                   const std::string& name, const std::string& patch) {
  std::string out;
  std::vector<std::string> args = {"patch", resource, name};
  if (!ns.empty()) args.insert(args.end(), {"-n", ns});
  args.insert(args.end(), {"--type", "merge", "-p", patch});
  ASSERT_EQ(Kubectl(args, &out), 0) << out;
}

std::optional<json> ControllerE2eTest::Get(const kube::ResourceRef& ref, const std::string& ns,
                                           const std::string& name) {
  auto got = client_->Get(ref, ns, name);
  if (!got.ok()) return std::nullopt;
  return *std::move(got);
}

std::string ControllerE2eTest::Phase(const std::string& ns, const std::string& rp) {
  auto obj = Get(kProposals, ns, rp);
  return obj ? StringAt(*obj, "/status/phase") : "";
}

std::string ControllerE2eTest::Condition(const std::string& ns, const std::string& rp,
                                         const std::string& type, std::string* reason) {
  auto obj = Get(kProposals, ns, rp);
  if (!obj || !obj->contains("status")) return "";
  for (const json& c : (*obj)["status"].value("conditions", json::array())) {
    if (c.value("type", "") != type) continue;
    if (reason != nullptr) *reason = c.value("reason", "");
    return c.value("status", "");
  }
  return "";
}

void ControllerE2eTest::ReportSeccompInstalled(const std::string& ns, const std::string& rp,
                                               const std::vector<std::string>& nodes) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    auto obj = Get(kProposals, ns, rp);
    ASSERT_TRUE(obj.has_value());
    auto status = crd::ProposalStatusFromJson((*obj)["status"]);
    ASSERT_TRUE(status.ok()) << status.status();
    std::vector<std::string> names;
    for (const crd::SeccompProfile& p : status->seccomp_profiles) names.push_back(p.name);
    std::sort(names.begin(), names.end());
    json installs = json::array();
    for (const std::string& node : nodes) {
      installs.push_back(crd::SeccompInstallToJson(
          {node, names, crd::SeccompProfilesDigest(status->seccomp_profiles),
           "2026-01-01T00:00:00Z"}));
    }
    (*obj)["status"]["seccompInstalls"] = installs;
    if (client_->UpdateStatus(kProposals, ns, *obj).ok()) return;
  }
  FAIL() << "could not report the seccomp profile installed";
}

std::vector<std::string> ControllerE2eTest::Events(const std::string& ns,
                                                   const std::string& reason) {
  std::vector<std::string> out;
  auto list = client_->List(kEvents, ns);
  if (!list.ok()) return out;
  for (const json& e : list->items) {
    if (e.value("reason", "") == reason) out.push_back(e.value("message", ""));
  }
  return out;
}

std::optional<double> ControllerE2eTest::Metric(int port, const std::string& name) {
  std::string out;
  const std::string file = dir_ + "/metrics.out";
  util::SpawnOptions o;
  o.stdout_path = file;
  auto p = util::Process::Shell(
      absl::StrCat("curl -sf http://127.0.0.1:", port, "/metrics"), o);
  if (!p.ok() || p->Wait() != 0) return std::nullopt;
  for (absl::string_view line : absl::StrSplit(ReadFile(file), '\n')) {
    if (absl::StartsWith(line, name + " ")) {
      return std::strtod(std::string(line.substr(name.size() + 1)).c_str(), nullptr);
    }
  }
  return std::nullopt;
}

int ControllerE2eTest::FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

}  // namespace minpriv::controller::testing
