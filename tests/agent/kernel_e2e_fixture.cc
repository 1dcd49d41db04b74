#include "tests/agent/kernel_e2e_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "util/cgroup.h"
#include "util/fd.h"
#include "verifier/oci_spec.h"
#include "verifier/workload.h"

namespace minpriv::agent::testing {
namespace {

using nlohmann::json;

const kube::ResourceRef kProfilesRef{"minpriv.dev", "v1alpha1", "workloadprofiles", true};

constexpr char kPodYaml[] = R"(apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  containers:
  - name: app
    image: none
)";

// A free TCP port on 127.0.0.1 (bound and released).
int FreePort() {
  util::UniqueFd s(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) return 0;
  socklen_t len = sizeof(a);
  getsockname(s.get(), reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

void Mkdirs(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  ASSERT_FALSE(ec) << path << ": " << ec.message();
}

}  // namespace

void KernelE2eTest::SetUp() {
  ASSERT_EQ(geteuid(), 0u) << "the agent's kernel test loads BPF programs and runs runc: root";
  AgentEnv::SetUp();
  auto runc = verifier::FindRunc();
  ASSERT_TRUE(runc.ok()) << runc.status();
  runc_ = *runc;
  auto mount = util::CgroupV2Root();
  ASSERT_TRUE(mount.ok()) << mount.status();
  root_rel_ = absl::StrCat("minpriv-agent-e2e-", getpid(), "-",
                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
  root_ = *mount + "/" + root_rel_;
  Mkdirs(root_ + "/kubepods.slice/kubepods-besteffort.slice");
  agent_log_ = absl::StrCat(::testing::TempDir(), "/", root_rel_, ".agent.log");
  CreateNamespace(kNs);
}

void KernelE2eTest::TearDown() {
  if (agent_) StopAgent();
  std::vector<std::string> dirs;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root_, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec)) dirs.push_back(it->path().string());
  }
  std::sort(dirs.rbegin(), dirs.rend());  // deepest first
  for (const std::string& d : dirs) util::RemoveCgroup(d).IgnoreError();
  if (!root_.empty()) {
    EXPECT_TRUE(util::RemoveCgroup(root_).ok()) << root_;
  }
  AgentEnv::TearDown();
}

std::unique_ptr<RuncPod> KernelE2eTest::RunPod(const std::string& name, const std::string& rs,
                                               const std::vector<std::string>& args,
                                               Driver driver, bool write_status,
                                               const json& seccomp) {
  auto pod = std::make_unique<RuncPod>();
  pod->name = name;
  pod->uid = CreatePod(kNs, name, kNode, "ReplicaSet", rs, "apps/v1");
  pod->container_id = ContainerId(next_container_++);
  std::string rel;
  if (driver == Driver::kSystemd) {
    rel = absl::StrCat("kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod",
                       absl::StrReplaceAll(pod->uid, {{"-", "_"}}), ".slice/cri-containerd-",
                       pod->container_id, ".scope");
  } else {
    rel = absl::StrCat("kubepods/besteffort/pod", pod->uid, "/", pod->container_id);
  }
  pod->cgroup = root_ + "/" + rel;
  // The kubelet creates the pod's cgroup; the runtime the container's, below it.
  Mkdirs(std::filesystem::path(pod->cgroup).parent_path().string());

  auto w = verifier::ParseWorkloads(kPodYaml, "pod.yaml");
  EXPECT_TRUE(w.ok()) << w.status();
  if (!w.ok()) return nullptr;
  auto sel = verifier::SelectContainer(*w, "", "", "pod.yaml");
  EXPECT_TRUE(sel.ok()) << sel.status();
  if (!sel.ok()) return nullptr;
  auto bundle = verifier::Bundle::Create();
  EXPECT_TRUE(bundle.ok()) << bundle.status();
  if (!bundle.ok()) return nullptr;
  pod->bundle = *std::move(bundle);
  verifier::SpecInputs in;
  in.pod = sel->pod;
  in.container = sel->container;
  in.args = args;
  in.cgroups_path = absl::StrCat("/", root_rel_, "/", rel);
  auto spec = verifier::BuildOciSpec(in);
  EXPECT_TRUE(spec.ok()) << spec.status();
  if (!spec.ok()) return nullptr;
  if (!seccomp.is_null()) spec->config["linux"]["seccomp"] = seccomp;
  EXPECT_TRUE(pod->bundle->WriteConfig(spec->config).ok());
  auto c = verifier::RuncContainer::Create(
      runc_, pod->bundle->dir(), absl::StrCat("minpriv-agent-e2e-", getpid(), "-", name));
  EXPECT_TRUE(c.ok()) << c.status();
  if (!c.ok()) return nullptr;
  pod->container = *std::move(c);
  absl::Status started = pod->container.Start();
  EXPECT_TRUE(started.ok()) << started;
  if (write_status) WriteStatus(*pod);
  return pod;
}

void KernelE2eTest::UseCgroupfsLayout() {
  ASSERT_TRUE(util::RemoveCgroup(root_ + "/kubepods.slice/kubepods-besteffort.slice").ok());
  ASSERT_TRUE(util::RemoveCgroup(root_ + "/kubepods.slice").ok());
  Mkdirs(root_ + "/kubepods/besteffort");
}

void KernelE2eTest::WriteStatus(const RuncPod& pod) {
  SetStatuses(kNs, pod.name, {{"app", pod.container_id}});
}

void KernelE2eTest::StartAgent(const std::vector<std::string>& extra) {
  metrics_port_ = FreePort();
  ASSERT_NE(metrics_port_, 0);
  util::SpawnOptions o;
  o.stdout_path = agent_log_;
  o.stderr_to_stdout = true;
  o.append = true;
  std::vector<std::string> argv = {
      MINPRIV_BINARY, "agent", "--node", kNode, "--kubeconfig", server_->kubeconfig(),
      "--cgroup-root", root_, "--publish-interval", "1s", "--metrics-addr",
      absl::StrCat("127.0.0.1:", metrics_port_)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto p = util::Process::Spawn(argv, o);
  ASSERT_TRUE(p.ok()) << p.status();
  agent_ = *std::move(p);
  ASSERT_TRUE(WaitFor([&] {
    return agent_->Poll() || absl::StrContains(HttpGet("/readyz"), " 200 ");
  })) << AgentLog();
  ASSERT_FALSE(agent_->exited()) << AgentLog();
}

int KernelE2eTest::StopAgent() {
  if (!agent_) return -1;
  int status = agent_->Stop(absl::Seconds(20));
  agent_.reset();
  return status;
}

std::string KernelE2eTest::AgentLog() const {
  std::ifstream in(agent_log_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string KernelE2eTest::HttpGet(const std::string& path) const {
  util::UniqueFd s(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(metrics_port_));
  if (connect(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) return "";
  const std::string req =
      absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  if (write(s.get(), req.data(), req.size()) != static_cast<ssize_t>(req.size())) return "";
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(s.get(), buf, sizeof(buf))) > 0;) out.append(buf, n);
  return out;
}

int64_t KernelE2eTest::Metric(const std::string& name) const {
  const std::string prefix = "minpriv_agent_" + name + " ";
  for (absl::string_view line : absl::StrSplit(HttpGet("/metrics"), '\n')) {
    if (absl::StartsWith(line, prefix)) {
      int64_t v = -1;
      if (absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(prefix.size())), &v)) return v;
    }
  }
  return -1;
}

std::optional<json> KernelE2eTest::Partial(const std::string& deployment) {
  return Get(kProfilesRef, kNs, absl::StrCat("deployment-", deployment, "-", kNode));
}

std::vector<std::string> KernelE2eTest::Syscalls(const json& partial) {
  std::vector<std::string> out;
  for (const json& c : partial["spec"]["containers"]) {
    if (c.value("name", "") == "app") {
      for (const json& s : c.value("syscalls", json::array())) out.push_back(s.get<std::string>());
    }
  }
  return out;
}

std::vector<std::string> KernelE2eTest::Execs(const json& partial) {
  std::vector<std::string> out;
  for (const json& c : partial["spec"]["containers"]) {
    if (c.value("name", "") == "app") {
      for (const json& e : c.value("execs", json::array())) out.push_back(e.value("path", ""));
    }
  }
  return out;
}

bool KernelE2eTest::WaitFor(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return true;
}

}  // namespace minpriv::agent::testing
