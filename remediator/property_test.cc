// Property tests: for generated profiles (seeded PRNG, many iterations), the proposal
// allows everything observed — through the in-memory proposal and through the directory
// on disk — and denies behaviour that was not observed.
#include <algorithm>
#include <random>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "remediator/evaluator.h"
#include "remediator/proposer.h"
#include "remediator/runtime_syscalls.h"
#include "absl/strings/str_join.h"
#include "remediator/test_util.h"
#include "tests/test_util.h"
#include "util/syscalls.h"

namespace minpriv::remediator {
namespace {

constexpr char kInventory[] = R"(apiVersion: v1
kind: List
items:
  - kind: Pod
    apiVersion: v1
    metadata: {name: redis-0, namespace: data, labels: {app: redis, statefulset.kubernetes.io/pod-name: redis-0}}
    status: {podIP: 10.244.5.10}
  - kind: Pod
    apiVersion: v1
    metadata: {name: api-1, namespace: shop, labels: {app: api, pod-template-hash: abc}}
    spec:
      containers:
        - name: api
          ports: [{name: http, containerPort: 9000, protocol: TCP}]
    status: {podIP: 10.244.6.20, podIPs: [{ip: 10.244.6.20}, {ip: "fd00::6:20"}]}
  - kind: Service
    apiVersion: v1
    metadata: {name: api, namespace: shop}
    spec:
      clusterIP: 10.96.1.1
      selector: {app: api}
      ports: [{port: 80, targetPort: http, protocol: TCP}]
  - kind: Service
    apiVersion: v1
    metadata: {name: ghost, namespace: shop}
    spec:
      clusterIP: 10.96.1.2
      selector: {app: ghost}
      ports: [{port: 8080, targetPort: web, protocol: TCP}]
)";

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(int percent) { return Uniform(1, 100) <= percent; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) { return v[static_cast<size_t>(Uniform(0, static_cast<int>(v.size()) - 1))]; }

  std::string Time() { return absl::StrCat("2026-11-20T10:", 10 + Uniform(0, 49), ":00.000Z"); }

  std::string Ip() {
    static const std::vector<std::string> kIps = {
        "10.244.5.10", "10.244.6.20", "fd00::6:20", "10.96.1.1", "10.96.1.2", "10.0.0.7",
        "192.168.3.4", "2001:db8::1", "127.0.0.1", "::1", "172.16.0.9"};
    return Pick(kIps);
  }

  crd::ContainerProfile Container(const std::string& name) {
    crd::ContainerProfile c;
    c.name = name;
    std::set<std::string> sys;
    int n = Uniform(0, 60);
    for (int i = 0; i < n; ++i) {
      const char* s = util::SyscallName(static_cast<uint32_t>(Uniform(0, static_cast<int>(util::SyscallTableSize()) - 1)));
      if (s != nullptr) sys.insert(s);
    }
    c.syscalls.assign(sys.begin(), sys.end());
    static const std::vector<std::string> kCaps = {"CHOWN", "DAC_OVERRIDE", "NET_BIND_SERVICE", "SETUID",
                                                   "SETGID", "KILL", "NET_ADMIN", "SYS_PTRACE", "SYS_ADMIN",
                                                   "FOWNER", "NET_RAW"};
    std::set<std::string> caps;
    for (int i = Uniform(0, 3); i > 0; --i) caps.insert(Pick(kCaps));
    for (const auto& cap : caps) {
      c.capabilities.push_back(cap);
      crd::CapabilityUse use;
      use.capability = cap;
      use.call_site = "some_kernel_function";
      use.binary = "/app/bin";
      use.count = static_cast<uint64_t>(Uniform(1, 50));
      use.first_seen = Time();
      use.denied = Chance(15);
      c.capability_evidence.push_back(use);
    }
    static const std::vector<std::string> kPaths = {
        "/tmp/a.pid", "/tmp/cache/x", "/var/cache/app/blob", "/var/lib/app/db/file", "/run/app.sock",
        "/home/app/.history", "/data/out.bin", "/srv/www/index.html", "/etc/app/app.conf", "/top.txt",
        "/dev/null", "/proc/self/attr/current", "/var/log/app.log", "/opt/tool/state", "/var/tmp/t1",
        "/work/a/b/c", "/work/a/b/d", "/work/a/b/e"};
    std::set<std::string> paths;
    for (int i = Uniform(0, 5); i > 0; --i) paths.insert(Pick(kPaths));
    for (const auto& p : paths) {
      crd::FileWrite w;
      w.path = p;
      w.ops = Chance(70) ? std::vector<std::string>{"create", "write"} : std::vector<std::string>{"write"};
      w.count = static_cast<uint64_t>(Uniform(1, 100));
      w.first_seen = Time();
      w.summarized = Chance(20);
      c.file_writes.push_back(w);
    }
    for (int i = Uniform(0, 2); i > 0; --i) {
      crd::Exec e;
      e.path = absl::StrCat("/usr/bin/tool", i);
      e.privilege_gain = Chance(15);
      e.count = 1;
      e.first_seen = Time();
      c.execs.push_back(e);
    }
    static const std::vector<uint32_t> kUids = {0, 101, 1000, 65534};
    std::set<std::pair<uint32_t, uint32_t>> users;
    for (int i = Uniform(0, 2); i > 0; --i) {
      uint32_t uid = Pick(kUids);
      users.insert({uid, Chance(80) ? uid : 0});
    }
    for (const auto& [u, g] : users) c.users.push_back({u, g});
    for (int i = Uniform(0, 2); i > 0; --i) {
      c.network.listen.push_back({static_cast<uint32_t>(Pick(std::vector<int>{80, 443, 8080, 9090, 53})),
                                  Chance(80) ? "TCP" : "UDP", ""});
    }
    std::set<std::tuple<std::string, uint32_t, std::string>> seen;
    for (int i = Uniform(0, 3); i > 0; --i) {
      crd::Peer p{Ip(), static_cast<uint32_t>(Pick(std::vector<int>{80, 8080, 9090})), Chance(85) ? "TCP" : "UDP",
                  static_cast<uint64_t>(Uniform(1, 9)), Time()};
      if (seen.insert({p.ip, p.port, p.protocol}).second) c.network.ingress.push_back(p);
    }
    seen.clear();
    for (int i = Uniform(0, 4); i > 0; --i) {
      crd::Peer p{Ip(), static_cast<uint32_t>(Pick(std::vector<int>{80, 6379, 8080, 53, 443})),
                  Chance(80) ? "TCP" : "UDP", static_cast<uint64_t>(Uniform(1, 9)), Time()};
      if (seen.insert({p.ip, p.port, p.protocol}).second) c.network.egress.push_back(p);
    }
    if (Chance(40)) c.network.dns = {"api.shop.svc.cluster.local", "example.com"};
    return c;
  }

  crd::WorkloadProfile Profile(int containers) {
    crd::WorkloadProfile w;
    w.name = "gen";
    w.namespace_ = Chance(50) ? "team" : "";
    for (int i = 0; i < containers; ++i) w.containers.push_back(Container(absl::StrCat("c", i)));
    w.status.complete = Chance(80);
    w.status.window = {"2026-11-20T10:00:00.000Z", "2026-11-20T11:00:00.000Z"};
    crd::Canonicalize(w);
    return w;
  }

  std::string Manifest(const crd::WorkloadProfile& p, int init_count) {
    std::string kind = Pick(std::vector<std::string>{"Deployment", "StatefulSet", "DaemonSet", "Job", "Pod", "CronJob"});
    std::string api = kind == "Pod" ? "v1" : (kind == "Job" || kind == "CronJob") ? "batch/v1" : "apps/v1";
    std::string containers, inits;
    for (size_t i = 0; i < p.containers.size(); ++i) {
      std::string entry = absl::StrCat("    - name: ", p.containers[i].name, "\n      image: example/app:1\n");
      // A manifest that works grants what the workload used beyond the runtime's defaults.
      std::vector<std::string> extra;
      for (const auto& cap : p.containers[i].capabilities) {
        const auto& def = RuntimeDefaultCapabilities();
        if (std::find(def.begin(), def.end(), cap) == def.end()) extra.push_back(cap);
      }
      if (!extra.empty()) {
        absl::StrAppend(&entry, "      securityContext:\n        capabilities:\n          add: [",
                        absl::StrJoin(extra, ", "), "]\n");
      }
      if (Chance(30)) absl::StrAppend(&entry, "      volumeMounts:\n        - name: scratch\n          mountPath: /var/lib/app\n");
      (static_cast<int>(i) < init_count ? inits : containers) += entry;
    }
    std::string pod = absl::StrCat("    metadata:\n      labels: {app: gen}\n    spec:\n",
                                   inits.empty() ? "" : "      initContainers:\n", Indent(inits, 4),
                                   containers.empty() ? "" : "      containers:\n", Indent(containers, 4),
                                   "      volumes:\n        - name: scratch\n          emptyDir: {}\n");
    std::string meta = absl::StrCat("metadata:\n  name: gen\n", p.namespace_.empty() ? "" : "  namespace: team\n");
    if (kind == "Pod") {
      std::string body = absl::StrCat("apiVersion: v1\nkind: Pod\n", meta, "  labels: {app: gen}\nspec:\n",
                                      inits.empty() ? "" : "  initContainers:\n", inits,
                                      containers.empty() ? "" : "  containers:\n", containers,
                                      "  volumes:\n    - name: scratch\n      emptyDir: {}\n");
      return body;
    }
    if (kind == "CronJob") {
      return absl::StrCat("apiVersion: batch/v1\nkind: CronJob\n", meta,
                          "spec:\n  schedule: \"* * * * *\"\n  jobTemplate:\n    spec:\n      template:\n",
                          Indent(pod, 4));
    }
    return absl::StrCat("apiVersion: ", api, "\nkind: ", kind, "\n", meta, "spec:\n  template:\n", pod);
  }

 private:
  static std::string Indent(const std::string& text, int n) {
    std::string out, pad(static_cast<size_t>(n), ' ');
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      out += pad + text.substr(start, end - start) + "\n";
      start = end + 1;
    }
    return out;
  }
  std::mt19937 rng_;
};

std::string Describe(const std::vector<Violation>& v) {
  std::string out;
  for (const auto& x : v) absl::StrAppend(&out, "\n  ", x.kind, " ", x.subject, ": ", x.reason);
  return out;
}

TEST(PropertyTest, ProposalAllowsEverythingObservedAndDeniesTheRest) {
  auto inventory = ParseInventory(kInventory, "inventory");
  ASSERT_TRUE(inventory.ok()) << inventory.status();
  int checked_mutations = 0;
  for (uint32_t seed = 1; seed <= 400; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    Generator gen(seed);
    int containers = gen.Uniform(1, 3);
    crd::WorkloadProfile profile = gen.Profile(containers);
    int init_count = containers > 1 && gen.Chance(40) ? 1 : 0;
    std::string manifest = gen.Manifest(profile, init_count);
    auto proposal = Propose({{"profile", profile}}, {{"manifest.yaml", manifest}}, *inventory);
    ASSERT_TRUE(proposal.ok()) << proposal.status() << "\n" << manifest;
    ASSERT_EQ(proposal->workloads.size(), 1u);
    bool on_disk = seed % 10 == 0;
    test::TempDir tmp;
    std::string dir = tmp.path() + "/out";
    if (on_disk) {
      ASSERT_TRUE(WriteProposalDir(RenderProposal(*proposal), dir, false).ok());
    }
    std::string workload = profile.namespace_.empty() ? "gen" : "team/gen";
    for (const auto& observed : profile.containers) {
      auto policy = PolicyFor(*proposal, workload, observed.name);
      ASSERT_TRUE(policy.ok()) << policy.status();
      auto violations = Evaluate(*policy, observed);
      ASSERT_TRUE(violations.empty()) << "proposal narrower than observed for " << observed.name
                                      << Describe(violations) << "\n" << manifest;
      if (on_disk) {
        auto loaded = LoadContainerPolicy(dir, workload, observed.name);
        ASSERT_TRUE(loaded.ok()) << loaded.status();
        EXPECT_EQ(loaded->allowed_syscalls, policy->allowed_syscalls);
        EXPECT_EQ(loaded->effective_capabilities, policy->effective_capabilities);
        EXPECT_EQ(loaded->writable_paths, policy->writable_paths);
        EXPECT_EQ(loaded->read_only_root, policy->read_only_root);
        EXPECT_EQ(loaded->run_as_user, policy->run_as_user);
        EXPECT_TRUE(Evaluate(*loaded, observed).empty()) << Describe(Evaluate(*loaded, observed));
      }

      // Mutations: behaviour that was not observed must be denied.
      auto expect_violation = [&](const crd::ContainerProfile& mutated, const std::string& kind,
                                  const std::string& subject) {
        auto v = Evaluate(*policy, mutated);
        bool found = std::any_of(v.begin(), v.end(), [&](const Violation& x) {
          return x.kind == kind && x.subject == subject;
        });
        EXPECT_TRUE(found) << "mutation " << kind << " " << subject << " not denied" << Describe(v);
        ++checked_mutations;
      };
      if (!policy->syscalls_unrestricted) {
        for (const char* s : {"ptrace", "kexec_load", "init_module", "bpf", "mount"}) {
          if (policy->allowed_syscalls.count(s) == 0) {
            crd::ContainerProfile m = observed;
            m.syscalls.push_back(s);
            expect_violation(m, "syscall", s);
            break;
          }
        }
      }
      for (const char* cap : {"SYS_MODULE", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE"}) {
        if (policy->effective_capabilities.count(cap) == 0 && !policy->privileged) {
          crd::ContainerProfile m = observed;
          m.capabilities.push_back(cap);
          expect_violation(m, "capability", cap);
          break;
        }
      }
      if (policy->read_only_root) {
        crd::ContainerProfile m = observed;
        m.file_writes.push_back({"/opt/never-seen/file", {"create"}, 1, "", false, {}});
        expect_violation(m, "fileWrite", "/opt/never-seen/file");
      }
      {
        crd::ContainerProfile m = observed;
        m.network.egress.push_back({"198.51.100.77", 4444, "TCP", 1, ""});
        expect_violation(m, "egress", "198.51.100.77:4444/TCP");
        crd::ContainerProfile i = observed;
        // (8443 is never a listening port here: a served port whose clients are unknown is
        // open to every source, checked below.)
        i.network.ingress.push_back({"198.51.100.78", 8443, "TCP", 1, ""});
        expect_violation(i, "ingress", "198.51.100.78:8443/TCP");
        // A known peer on a port it was never contacted on.
        crd::ContainerProfile p = observed;
        p.network.egress.push_back({"10.244.5.10", 1, "TCP", 1, ""});
        expect_violation(p, "egress", "10.244.5.10:1/TCP");
      }
      // Never closes a served port: one that no outside client reached while learning stays
      // open to any source.
      for (const auto& l : observed.network.listen) {
        bool outside_client = false;
        for (const auto& c : profile.containers) {
          for (const auto& p : c.network.ingress) {
            bool loopback = absl::StartsWith(p.ip, "127.") || p.ip == "::1";
            if (!loopback && p.port == l.port && p.protocol == l.protocol) outside_client = true;
          }
        }
        if (outside_client) continue;
        crd::ContainerProfile m = observed;
        m.network.ingress.push_back({"198.51.100.79", l.port, l.protocol, 1, ""});
        auto v = Evaluate(*policy, m);
        EXPECT_TRUE(v.empty()) << "served port " << l.port << "/" << l.protocol << " closed"
                               << Describe(v);
      }
      if (policy->run_as_non_root) {
        crd::ContainerProfile m = observed;
        m.users.push_back({0, 0});
        expect_violation(m, "user", "uid 0");
      }
      if (!policy->allow_privilege_escalation) {
        crd::ContainerProfile m = observed;
        m.execs.push_back({"/usr/bin/sudo", true, 1, ""});
        expect_violation(m, "exec", "/usr/bin/sudo");
      }
      if (!policy->network.dns_allowed) {
        crd::ContainerProfile m = observed;
        m.network.dns.push_back("evil.example");
        expect_violation(m, "dns", "evil.example");
      }
    }
  }
  EXPECT_GT(checked_mutations, 1000);
}

TEST(PropertyTest, ProfilesOfSeveralReplicasAreAllAllowed) {
  // Replicas that behaved differently: proposing from all their profiles allows whatever any
  // of them did, and the report names what only some of them did.
  auto inventory = ParseInventory(kInventory, "inventory");
  ASSERT_TRUE(inventory.ok()) << inventory.status();
  int diverging = 0;
  for (uint32_t seed = 1; seed <= 100; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    Generator gen(seed);
    int containers = gen.Uniform(1, 3);
    int replicas = gen.Uniform(2, 3);
    std::vector<ProfileInput> inputs;
    for (int r = 0; r < replicas; ++r) {
      crd::WorkloadProfile p = gen.Profile(containers);
      if (r > 0) p.namespace_ = inputs.front().profile.namespace_;
      inputs.push_back({absl::StrCat("replica-", r, ".yaml"), p});
    }
    // The manifest all replicas ran under (it allowed what each of them did).
    std::vector<crd::WorkloadProfile> all;
    for (const ProfileInput& in : inputs) all.push_back(in.profile);
    std::string manifest = gen.Manifest(crd::MergeProfiles(all), 0);
    auto proposal = Propose(inputs, {{"manifest.yaml", manifest}}, *inventory);
    ASSERT_TRUE(proposal.ok()) << proposal.status() << "\n" << manifest;
    ASSERT_EQ(proposal->workloads.size(), 1u);
    const WorkloadProposal& w = proposal->workloads.front();
    EXPECT_EQ(w.profile_count, static_cast<size_t>(replicas));
    std::string workload = inputs.front().profile.namespace_.empty() ? "gen" : "team/gen";
    bool differ = false;
    for (const ProfileInput& in : inputs) {
      if (in.profile.containers != inputs.front().profile.containers) differ = true;
      for (const auto& observed : in.profile.containers) {
        auto policy = PolicyFor(*proposal, workload, observed.name);
        ASSERT_TRUE(policy.ok()) << policy.status();
        auto violations = Evaluate(*policy, observed);
        EXPECT_TRUE(violations.empty()) << in.source << " " << observed.name << Describe(violations);
      }
    }
    EXPECT_EQ(!w.divergence.empty(), differ);
    if (differ) ++diverging;
    std::string report = RenderProposal(*proposal)["report.md"];
    EXPECT_EQ(absl::StrContains(report, "### Replicas that behaved differently"), differ);
  }
  EXPECT_GT(diverging, 50);
}

}  // namespace
}  // namespace minpriv::remediator
