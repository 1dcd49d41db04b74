// `minpriv demo`: the whole loop on the bundled sample service. Learns shopfront while
// exercising it, proposes least privilege for its Kubernetes manifest, verifies the
// proposal under runc, shows that a misbehaving build of the same service is rejected,
// and prints a before/after summary with where the artefacts are.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cli/commands.h"
#include "cli/demo_flags.h"
#include "cli/demo_manifest.h"
#include "util/exit_codes.h"
#include "util/fd.h"
#include "util/files.h"
#include "util/json_format.h"
#include "util/process.h"

namespace minpriv::cli {
namespace {

namespace fs = std::filesystem;

constexpr char kMarker[] = ".minpriv-demo";
constexpr int kPort = 18080;
constexpr int kBackendPort = 18081;
// The demo "cluster": a network namespace of our own with a veth pair, in 198.18.0.0/24
// (RFC 2544's benchmarking range, never routed). The host side is shopfront's node address;
// the namespace holds the inventory pod, the cluster DNS pod and an ingress gateway pod
// (examples/demo/inventory.yaml lists them as the cluster inventory).
constexpr char kNetns[] = "minpriv-demo";
constexpr char kHostIf[] = "mpdemo0";
constexpr char kPodIf[] = "mpdemo1";
constexpr char kNodeIp[] = "198.18.0.1";
constexpr char kInventoryIp[] = "198.18.0.2";
constexpr char kDnsIp[] = "198.18.0.3";
constexpr char kGatewayIp[] = "198.18.0.4";
constexpr char kVerifyPods[] = "198.19.0.0/16";
constexpr char kCacheDir[] = "/var/cache/shopfront";
constexpr char kLogDir[] = "/var/log/shopfront";
constexpr char kStrayFile[] = "/etc/shopfront-stray";

struct Paths {
  std::string work, manifest, inventory_file, profile, proposal, verify_report, misbehave_report,
      logs;
  std::string shopfront, inventory, self;
};

bool Tty() { return isatty(STDOUT_FILENO) != 0; }

std::string Bold(std::string_view s) {
  return Tty() ? absl::StrCat("\033[1m", std::string(s), "\033[0m") : std::string(s);
}

void Step(int n, std::string_view what) {
  std::cout << "\n" << Bold(absl::StrCat("[", n, "/5] ", std::string(what))) << std::endl;
}

// Replaces the work dir, but only one that an earlier demo made (it has our marker).
absl::Status FreshWorkDir(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::exists(fs::path(dir) / kMarker, ec) && !fs::is_empty(dir, ec)) {
      return absl::InvalidArgumentError(absl::StrCat(
          dir, ": exists and was not made by minpriv demo; choose another --work-dir"));
    }
    fs::remove_all(dir, ec);
  }
  fs::create_directories(dir, ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat(dir, ": ", ec.message()));
  return util::WriteFileAtomic((fs::path(dir) / kMarker).string(), "");
}

// Owns the demo network namespace and veth pair; removes them on destruction.
class DemoNetwork {
 public:
  static absl::StatusOr<DemoNetwork> Create() {
    Cleanup();
    const std::vector<std::vector<std::string>> steps = {
        {"ip", "netns", "add", kNetns},
        {"ip", "link", "add", kHostIf, "type", "veth", "peer", "name", kPodIf, "netns", kNetns},
        {"ip", "addr", "add", absl::StrCat(kNodeIp, "/24"), "dev", kHostIf},
        {"ip", "link", "set", kHostIf, "up"},
        {"ip", "-n", kNetns, "link", "set", "lo", "up"},
        {"ip", "-n", kNetns, "addr", "add", absl::StrCat(kInventoryIp, "/24"), "dev", kPodIf},
        {"ip", "-n", kNetns, "addr", "add", absl::StrCat(kDnsIp, "/24"), "dev", kPodIf},
        {"ip", "-n", kNetns, "addr", "add", absl::StrCat(kGatewayIp, "/24"), "dev", kPodIf},
        {"ip", "-n", kNetns, "link", "set", kPodIf, "up"},
        // Replies to the pod addresses `minpriv verify` gives its replays (198.19.0.0/16,
        // verifier/pod_network.h) go back through this node, as in a cluster.
        {"ip", "-n", kNetns, "route", "add", kVerifyPods, "via", kNodeIp},
    };
    DemoNetwork net;
    net.owned_ = true;
    for (const auto& step : steps) {
      auto rc = util::RunQuiet(step);
      if (!rc.ok() || *rc != 0) {
        return absl::UnavailableError(absl::StrCat(
            "cannot set up the demo network (", absl::StrJoin(step, " "),
            " failed); minpriv demo needs iproute2 and CAP_NET_ADMIN"));
      }
    }
    // The node forwards between the demo's pods and the replay's pod (verify enables
    // forwarding on its own interface; this one is the demo's).
    const std::string forwarding = absl::StrCat("/proc/sys/net/ipv4/conf/", kHostIf, "/forwarding");
    util::UniqueFd fwd(open(forwarding.c_str(), O_WRONLY | O_CLOEXEC));
    if (fwd.get() < 0 || write(fwd.get(), "1\n", 2) != 2) {
      return absl::UnavailableError(absl::StrCat("cannot enable forwarding on ", kHostIf));
    }
    return net;
  }
  DemoNetwork() = default;
  DemoNetwork(DemoNetwork&& o) noexcept : owned_(o.owned_) { o.owned_ = false; }
  DemoNetwork& operator=(DemoNetwork&&) = delete;
  ~DemoNetwork() {
    if (owned_) Cleanup();
  }

 private:
  static void Cleanup() {
    util::RunQuiet({"ip", "link", "del", kHostIf}).IgnoreError();
    util::RunQuiet({"ip", "netns", "del", kNetns}).IgnoreError();
  }
  bool owned_ = false;
};

// The exercise: requests from the ingress gateway's address inside the demo network, to
// shopfront on this node while learning and to the replay's pod address while verifying
// (`minpriv verify` sets MINPRIV_POD_IP).
std::string Exercise() {
  std::string curl = absl::StrCat("ip netns exec ", kNetns, " curl -fsS -o /dev/null --interface ",
                                  kGatewayIp, " http://${MINPRIV_POD_IP:-", kNodeIp, "}:", kPort);
  return absl::StrCat("set -e; for i in 1 2 3 4 5 6 7 8 9 10 11 12; do ", curl,
                      "/item/$i; done; ", curl, "/healthz");
}

std::vector<std::string> ShopfrontCmd(const Paths& p, bool misbehave) {
  std::vector<std::string> cmd = {p.shopfront,
                                  "--listen",
                                  "0.0.0.0",  // as the manifest says
                                  "--port",
                                  absl::StrCat(kPort),
                                  "--dns",
                                  kDnsIp,
                                  "--backend",
                                  "inventory.shop.svc.cluster.local",
                                  "--backend-port",
                                  absl::StrCat(kBackendPort),
                                  "--cache-dir",
                                  kCacheDir,
                                  "--log-dir",
                                  kLogDir};
  if (misbehave) {
    cmd.insert(cmd.end(), {"--misbehave", "--stray-file", kStrayFile, "--stray-peer",
                           absl::StrCat(kInventoryIp, ":18099")});
  }
  return cmd;
}

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// summary.json, or null when it cannot be read.
nlohmann::json ReadJson(const std::string& path) {
  auto text = util::ReadFile(path);
  if (!text.ok()) return nullptr;
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? nlohmann::json() : j;
}

// The string member `key` of an object, or nullptr.
const std::string* StringAt(const nlohmann::json& v, const char* key) {
  auto it = v.find(key);
  return it != v.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

std::string JoinArray(const nlohmann::json& v, std::string_view empty) {
  if (!v.is_array() || v.empty()) return std::string(empty);
  std::vector<std::string> parts;
  for (const auto& e : v) {
    if (e.is_string()) {
      parts.push_back(e.get<std::string>());
    } else if (e.is_object()) {
      // A peer: {ip|cidr|selector..., port, protocol}.
      std::string s;
      for (const char* k : {"peer", "ip", "cidr", "to", "from"}) {
        if (const std::string* text = StringAt(e, k)) {
          s = *text;
          break;
        }
      }
      if (auto port = e.find("port"); port != e.end() && port->is_number_integer()) {
        absl::StrAppend(&s, ":", port->get<int64_t>());
      }
      if (const std::string* protocol = StringAt(e, "protocol")) absl::StrAppend(&s, "/", *protocol);
      parts.push_back(s.empty() ? util::DumpCompact(e) : s);
    } else {
      parts.push_back(util::DumpCompact(e));
    }
  }
  return absl::StrJoin(parts, ", ");
}

// Finds the shopfront container's entry in summary.json (an array of entries, or an object
// holding one under "containers"/"workloads").
nlohmann::json FindSummary(const nlohmann::json& summary) {
  auto pick = [](const nlohmann::json& arr) -> nlohmann::json {
    if (!arr.is_array()) return nullptr;
    for (const auto& e : arr) {
      const std::string* container = e.is_object() ? StringAt(e, "container") : nullptr;
      if (container != nullptr && *container == "shopfront") return e;
    }
    return nullptr;
  };
  if (summary.is_array()) return pick(summary);
  if (!summary.is_object()) return nullptr;
  for (const char* k : {"containers", "workloads"}) {
    if (summary.contains(k)) return pick(summary.at(k));
  }
  return nullptr;
}

void Row(std::string_view what, std::string_view before, std::string_view after) {
  std::printf("  %-22s %-30s %s\n", std::string(what).c_str(), std::string(before).c_str(),
              std::string(after).c_str());
}

void PrintSummary(const Paths& p, int verified, int misbehave) {
  nlohmann::json s = FindSummary(ReadJson(p.proposal + "/summary.json"));
  std::cout << "\n" << Bold("Before → after for shop/shopfront") << "\n";
  Row("", "before (runtime defaults)", "after (minpriv proposal)");
  if (!s.is_null()) {
    try {
      const auto& sc = s.at("syscalls");
      Row("syscalls allowed", absl::StrCat(sc.at("runtimeDefault").get<int64_t>()),
          absl::StrCat(sc.at("allowed").get<int64_t>(), " (deny by default)"));
      const auto& caps = s.at("capabilities");
      Row("capabilities", absl::StrCat(caps.at("dropped").size() + caps.at("added").size(),
                                       " runtime defaults"),
          absl::StrCat("add: ", JoinArray(caps.at("added"), "none"), " (drop ALL)"));
      bool ro = s.contains("readOnlyRootFilesystem") && s.at("readOnlyRootFilesystem").get<bool>();
      Row("root file system", "writable everywhere",
          ro ? absl::StrCat("read-only; writable: ", JoinArray(s.at("writablePaths"), "none"))
             : "writable");
      Row("privilege escalation", "allowed", "denied (allowPrivilegeEscalation: false)");
      Row("ingress", "any peer, any port",
          JoinArray(s.contains("ingress") ? s.at("ingress") : nlohmann::json(), "none"));
      Row("egress", "anywhere",
          JoinArray(s.contains("egress") ? s.at("egress") : nlohmann::json(), "none"));
      if (s.contains("dns")) {
        Row("DNS", "any", s.at("dns").is_boolean() && s.at("dns").get<bool>()
                              ? "cluster DNS only"
                              : JoinArray(s.at("dns"), "none"));
      }
    } catch (const nlohmann::json::exception& e) {  // a member missing or of another type
      std::cout << "  (summary.json not as expected: " << e.what() << "; see report.md)\n";
    }
  } else {
    std::cout << "  (summary.json not readable; see report.md)\n";
  }
  Row("verification", "-", verified == util::kExitOk ? "PASSED: starts, serves, no denial" : "FAILED");
  Row("misbehaving variant", "-",
      misbehave == util::kExitBroken ? "REJECTED with each break named" : "NOT rejected (unexpected)");
  std::cout << "\n" << Bold("Artefacts") << " in " << p.work << "/\n"
            << "  profile.yaml                 the learned WorkloadProfile\n"
            << "  proposal/report.md           every change with its evidence and risks\n"
            << "  proposal/narrowed.yaml       the manifest edited in place (comments kept)\n"
            << "  proposal/patch.yaml          strategic-merge patches (jsonpatch.json: RFC 6902)\n"
            << "  proposal/networkpolicy.yaml  NetworkPolicies for the observed peers\n"
            << "  proposal/seccomp/            seccomp profiles (and seccompprofiles.yaml for SPO)\n"
            << "  proposal/kustomization.yaml  kubectl kustomize " << p.work << "/proposal\n"
            << "  proposal/profiles/           the learned profiles the proposal rests on\n"
            << "  verify.json, verify-misbehaving.json   verification verdicts\n"
            << "  logs/                        the sample services' own output\n";
}

absl::Status Prepare(const DemoOptions& o, Paths& p) {
  if (geteuid() != 0) {
    return absl::PermissionDeniedError(
        "minpriv demo must run as root (it loads BPF programs and runs runc)");
  }
  if (auto st = FreshWorkDir(o.work_dir); !st.ok()) return st;
  p.work = fs::absolute(o.work_dir).lexically_normal().string();
  p.manifest = p.work + "/shopfront.yaml";
  p.inventory_file = p.work + "/inventory.yaml";
  p.profile = p.work + "/profile.yaml";
  p.proposal = p.work + "/proposal";
  p.verify_report = p.work + "/verify.json";
  p.misbehave_report = p.work + "/verify-misbehaving.json";
  p.logs = p.work + "/logs";
  p.self = util::SelfExe();
  fs::path bin_dir = fs::path(p.self).parent_path() / "examples" / "demo";
  p.shopfront = (bin_dir / "shopfront").string();
  p.inventory = (bin_dir / "inventory").string();
  for (const auto& bin : {p.shopfront, p.inventory}) {
    if (access(bin.c_str(), X_OK) != 0) {
      return absl::NotFoundError(
          absl::StrCat(bin, ": sample service not built; run `make demo` from the repository"));
    }
  }
  std::error_code ec;
  fs::create_directories(p.logs, ec);
  // The service's data directories, as its image would ship them (empty).
  for (const char* d : {kCacheDir, kLogDir}) {
    fs::remove_all(d, ec);
    fs::create_directories(d, ec);
    if (ec) return absl::PermissionDeniedError(absl::StrCat(d, ": ", ec.message()));
  }
  fs::remove(kStrayFile, ec);
  if (auto st = util::WriteFileAtomic(p.inventory_file, kDemoInventory); !st.ok()) return st;
  return util::WriteFileAtomic(p.manifest, kDemoManifest);
}

// The demo uses fixed names (network namespace, addresses, ports, data directories), so
// two demos on one machine must not overlap: the second waits for the first.
class DemoLock {
 public:
  static constexpr char kPath[] = "/run/minpriv-demo.lock";
  DemoLock() : fd_(open(kPath, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_.get() >= 0 && flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
      std::cout << "waiting for another minpriv demo on this machine to finish (" << kPath
                << ")" << std::endl;
      flock(fd_.get(), LOCK_EX);
    }
  }

 private:
  util::UniqueFd fd_;  // closing it releases the lock
};

int Fail(const absl::Status& st) {
  std::cerr << "minpriv demo: " << st.message() << "\n";
  return util::ExitCodeFor(st);
}

}  // namespace

int RunDemo(int argc, char** argv) {
  auto opts = ParseDemoFlags(argc, argv);
  if (!opts.ok()) {
    std::cerr << "minpriv demo: " << opts.status().message() << "\n" << DemoHelp();
    return util::kExitUsage;
  }
  if (opts->help) {
    std::cout << DemoHelp();
    return util::kExitOk;
  }
  DemoLock lock;
  absl::Time start = absl::Now();
  Paths p;
  if (auto st = Prepare(*opts, p); !st.ok()) return Fail(st);

  std::cout << Bold("minpriv demo") << ": learn → propose → verify on the sample service "
            << "'shopfront' (HTTP on " << kNodeIp << ":" << kPort << ")\n";

  Step(1, "Starting the demo cluster's other pods (not observed)");
  auto network = DemoNetwork::Create();
  if (!network.ok()) return Fail(network.status());
  util::SpawnOptions backend_opts;
  backend_opts.stdout_path = p.logs + "/inventory.log";
  backend_opts.stderr_to_stdout = true;
  backend_opts.append = true;
  backend_opts.foreground = true;  // a Ctrl-C at the terminal stops it with the demo
  auto backend = util::Process::Spawn(
      {"ip", "netns", "exec", kNetns, p.inventory, "--listen", kInventoryIp, "--port",
       absl::StrCat(kBackendPort), "--dns-listen", kDnsIp, "--dns-port", "53", "--answer",
       kInventoryIp},
      backend_opts);
  if (!backend.ok()) return Fail(backend.status());
  if (backend->WaitFor(absl::Milliseconds(300)).has_value()) {
    return Fail(absl::UnavailableError(absl::StrCat(
        "the inventory backend exited at once; see ", p.logs, "/inventory.log")));
  }
  std::cout << "  shop/inventory      " << kInventoryIp << ":" << kBackendPort << "/TCP\n"
            << "  kube-system/coredns " << kDnsIp << ":53/UDP\n"
            << "  ingress/gateway     " << kGatewayIp << " (sends the exercise's requests)\n";

  Step(2, "Learning shopfront with eBPF while exercising it (12 item requests + health check)");
  auto learn = util::Run(Concat({p.self, "learn", "--name", "shopfront", "--out", p.profile,
                                 "--exercise", Exercise(), "--"},
                                ShopfrontCmd(p, false)));
  if (!learn.ok()) return Fail(learn.status());
  if (*learn != util::kExitOk) {
    return Fail(absl::InternalError(absl::StrCat("learning failed (exit ", *learn, ")")));
  }
  std::cout << "  profile written: " << p.profile << "\n";

  Step(3, "Proposing least privilege for the manifest");
  // --seccomp observed: the misbehaving variant is the same binary with a flag, so what it
  // imports (ptrace, chown) is reachable by import; the demo shows unlearned behaviour caught.
  auto propose = util::Run({p.self, "propose", "--profile", p.profile, "--manifest", p.manifest,
                            "--inventory", p.inventory_file, "--seccomp", "observed",
                            "--out-dir", p.proposal});
  if (!propose.ok()) return Fail(propose.status());
  if (*propose != util::kExitOk) {
    return Fail(absl::InternalError(absl::StrCat("propose failed (exit ", *propose, ")")));
  }
  std::cout << "  proposal written: " << p.proposal << "/\n";

  // Fresh data directories, as a new pod would get them.
  for (const char* d : {kCacheDir, kLogDir}) {
    std::error_code ec;
    fs::remove_all(d, ec);
    fs::create_directories(d, ec);
  }

  Step(4, "Verifying the proposal: replaying shopfront under runc with it");
  auto verify = util::Run(Concat({p.self, "verify", "--proposal", p.proposal, "--workload",
                                  "shopfront", "--container", "shopfront", "--exercise",
                                  Exercise(), "--report", p.verify_report, "--"},
                                 ShopfrontCmd(p, false)));
  if (!verify.ok()) return Fail(verify.status());

  Step(5, "Checking that tightening is real: a misbehaving shopfront must be rejected");
  auto misbehave = util::Run(Concat({p.self, "verify", "--proposal", p.proposal, "--workload",
                                     "shopfront", "--container", "shopfront", "--exercise",
                                     Exercise(), "--report", p.misbehave_report, "--"},
                                    ShopfrontCmd(p, true)));
  if (!misbehave.ok()) return Fail(misbehave.status());
  bool stray_written = access(kStrayFile, F_OK) == 0;
  if (stray_written) {
    std::cout << "  WARNING: the misbehaving variant managed to write " << kStrayFile << "\n";
  } else {
    std::cout << "  the stray write to " << kStrayFile << " did not reach the disk\n";
  }
  backend->Stop(absl::Seconds(2));

  PrintSummary(p, *verify, *misbehave);
  std::cout << "\nDone in " << absl::FormatDuration(absl::Trunc(absl::Now() - start,
                                                                absl::Milliseconds(100)))
            << ".\n";
  bool ok = *verify == util::kExitOk && *misbehave == util::kExitBroken && !stray_written;
  return ok ? util::kExitOk : util::kExitFailure;
}

}  // namespace minpriv::cli
