// Benchmark (not in ctest): `minpriv controller` from an empty cache to a RemediationProposal
// for each of N workloads (default 1,000), each with 3 partial profiles, against the test API
// server. Prints workloads/s and the controller's peak RSS (VmHWM).
//   build/bench/controller_bench [--workloads N] [--workers N]
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "crd/names.h"
#include "crd/object_meta.h"
#include "crd/profile_json.h"
#include "crd/yaml_json.h"
#include "kube/config.h"
#include "kube/rest_client.h"
#include "kube/test_apiserver.h"
#include "util/process.h"

namespace {

using nlohmann::json;
namespace kube = minpriv::kube;
namespace crd = minpriv::crd;

const kube::ResourceRef kCrds{"apiextensions.k8s.io", "v1", "customresourcedefinitions", false};
const kube::ResourceRef kNamespaces{"", "v1", "namespaces", false};
const kube::ResourceRef kDeployments{"apps", "v1", "deployments", true};
const kube::ResourceRef kProfiles{"minpriv.dev", "v1alpha1", "workloadprofiles", true};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "controller_bench: %s\n", what.c_str());
  return 1;
}

// A metric of the controller's /metrics (curl), -1 when unreachable.
double Metric(int port, const std::string& name, const std::string& file) {
  minpriv::util::SpawnOptions o;
  o.stdout_path = file;
  auto p = minpriv::util::Process::Shell(
      absl::StrCat("curl -sf http://127.0.0.1:", port, "/metrics"), o);
  if (!p.ok() || p->Wait() != 0) return -1;
  for (absl::string_view line : absl::StrSplit(ReadFile(file), '\n')) {
    if (absl::StartsWith(line, name + " ")) {
      return std::strtod(std::string(line.substr(name.size() + 1)).c_str(), nullptr);
    }
  }
  return -1;
}

long PeakRssKiB(pid_t pid) {
  std::istringstream in(ReadFile(absl::StrCat("/proc/", pid, "/status")));
  std::string line;
  while (std::getline(in, line)) {
    long kib = 0;
    if (line.rfind("VmHWM:", 0) == 0 && absl::SimpleAtoi(absl::StripAsciiWhitespace(
                                            absl::string_view(line).substr(6, line.size() - 9)),
                                        &kib)) {
      return kib;
    }
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  int workloads = 1000;
  std::string workers = "4";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--workloads") workloads = std::atoi(argv[i + 1]);
    if (std::string(argv[i]) == "--workers") workers = argv[i + 1];
  }
  auto server = kube::testing::TestApiServer::Start();
  if (!server.ok()) return Fail(server.status().ToString());
  auto config = kube::LoadKubeconfig((*server)->kubeconfig());
  if (!config.ok()) return Fail(config.status().ToString());
  auto client = kube::RestClient::Create(*config);
  if (!client.ok()) return Fail(client.status().ToString());
  for (const char* name : {"workloadprofiles", "remediationproposals"}) {
    auto docs = crd::ParseYamlDocuments(
        ReadFile(absl::StrCat(MINPRIV_CRD_DIR, "/minpriv.dev_", name, ".yaml")), name);
    if (!docs.ok() || docs->empty()) return Fail("cannot read the CRDs");
    if (auto s = client->Create(kCrds, "", (*docs)[0]); !s.ok()) return Fail(s.status().ToString());
  }
  if (auto s = client->Create(kNamespaces, "", {{"apiVersion", "v1"}, {"kind", "Namespace"},
                                                 {"metadata", {{"name", "bench"}}}});
      !s.ok()) {
    return Fail(s.status().ToString());
  }

  // The world before the controller starts: N Deployments, 3 partial profiles each.
  const absl::Time setup = absl::Now();
  std::atomic<int> next{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = next++; i < workloads; i = next++) {
        const std::string name = absl::StrCat("svc-", i);
        json d = {{"apiVersion", "apps/v1"},
                  {"kind", "Deployment"},
                  {"metadata", {{"name", name}, {"namespace", "bench"}}},
                  {"spec",
                   {{"replicas", 3},
                    {"selector", {{"matchLabels", {{"app", name}}}}},
                    {"template",
                     {{"metadata", {{"labels", {{"app", name}}}}},
                      {"spec",
                       {{"containers",
                         json::array({{{"name", "app"}, {"image", "svc:1"}}})}}}}}}}};
        if (!client->Create(kDeployments, "bench", d).ok()) ++errors;
        for (int n = 0; n < 3; ++n) {
          crd::WorkloadProfile p;
          const std::string node = absl::StrCat("node-", n);
          p.name = crd::PartialProfileName("Deployment", name, node);
          p.namespace_ = "bench";
          p.labels = {{crd::kNodeLabel, node},
                      {crd::kWorkloadKindLabel, "Deployment"},
                      {crd::kWorkloadNameLabel, name}};
          p.target = {"apps/v1", "Deployment", name};
          crd::ContainerProfile c;
          c.name = "app";
          c.syscalls = {"read", "write", "openat", "close", n == 0 ? "ptrace" : "futex"};
          c.capabilities = {"NET_BIND_SERVICE"};
          c.network.listen.push_back({8080, "TCP", ""});
          c.file_writes.push_back({"/tmp/cache", {"create", "write"}, 3, "", false, {}});
          p.containers.push_back(c);
          if (!client->Create(kProfiles, "bench", crd::WorkloadProfileToJson(p)).ok()) ++errors;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  if (errors > 0) return Fail(absl::StrCat(errors.load(), " objects not created"));
  std::printf("setup: %d deployments, %d partial profiles in %.1f s\n", workloads, workloads * 3,
              absl::ToDoubleSeconds(absl::Now() - setup));

  char tmpl[] = "/tmp/minpriv-controller-bench-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return Fail("mkdtemp");
  const std::string dir = tmpl;
  const int port = 20000 + getpid() % 20000;
  minpriv::util::SpawnOptions o;
  o.stdout_path = dir + "/controller.log";
  o.stderr_to_stdout = true;
  o.search_path = false;
  const absl::Time start = absl::Now();
  auto controller = minpriv::util::Process::Spawn(  // NOLINT
      {MINPRIV_BINARY, "controller", "--kubeconfig", (*server)->kubeconfig(), "--quiet-period",
       "1ms", "--min-window", "1ms", "--metrics-addr", absl::StrCat("127.0.0.1:", port),
       "--workers", workers},
      o);
  if (!controller.ok()) return Fail(controller.status().ToString());
  const std::string metric = "minpriv_controller_proposals{phase=\"Proposed\"}";
  double proposed = 0;
  long peak = 0;
  while (absl::Now() - start < absl::Seconds(120)) {
    peak = std::max(peak, PeakRssKiB(controller->pid()));
    proposed = Metric(port, metric, dir + "/metrics.txt");
    if (proposed >= workloads) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  peak = std::max(peak, PeakRssKiB(controller->pid()));
  const double errs = Metric(port, "minpriv_controller_reconcile_errors_total", dir + "/m2.txt");
  const double reconciles = Metric(port, "minpriv_controller_reconciles_total", dir + "/m3.txt");
  controller->Stop(absl::Seconds(5));
  if (!std::getenv("KEEP")) std::system(absl::StrCat("rm -rf ", dir).c_str());
  std::printf("log: %s/controller.log\n", dir.c_str());
  if (proposed < workloads) {
    return Fail(absl::StrCat("only ", proposed, " of ", workloads, " proposals after ", seconds, " s"));
  }
  std::printf("controller: %d proposals in %.2f s = %.0f workloads/s; peak RSS %.1f MiB; "
              "%.0f reconciles, %.0f conflicts/errors requeued\n",
              workloads, seconds, workloads / seconds, peak / 1024.0, reconciles, errs);
  std::printf("targets: < 10 s %s, < 200 MiB %s\n", seconds < 10 ? "met" : "MISSED",
              peak < 200 * 1024 ? "met" : "MISSED");
  return 0;
}
