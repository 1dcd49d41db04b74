// minpriv-observe: a developer tool. Runs CMD in a fresh cgroup under the observer and
// prints every observation (one line each, in arrival order; after the workload exits, the
// repeats of counted facts with count = further occurrences), then the stats. Used to derive
// the capability probe rules (with MINPRIV_DUMP_CAP_STACKS=1) and to measure overhead.
//   minpriv-observe [--verify] -- CMD [ARG...]
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "observer/observer.h"
#include "util/cgroup.h"
#include "util/process.h"
#include "util/syscalls.h"

namespace {

using namespace minpriv;

struct Printer : observer::ObservationSink {
  void OnSyscall(absl::Time, const observer::SyscallObservation& o) override {
    const char* n = util::SyscallName(o.nr);
    printf("syscall %s\n", n ? n : std::to_string(o.nr).c_str());
  }
  void OnCapability(absl::Time, const observer::CapabilityObservation& o) override {
    printf("capability %u %s site=%s comm=%s count=%llu\n", o.cap,
           o.allowed ? "allowed" : "DENIED", o.call_site.c_str(), o.comm.c_str(),
           static_cast<unsigned long long>(o.count));
  }
  void OnFileWrite(absl::Time, const observer::FileWriteObservation& o) override {
    printf("file %s %s comm=%s count=%llu\n", observer::FileOpName(o.op), o.path.c_str(),
           o.comm.c_str(), static_cast<unsigned long long>(o.count));
  }
  void OnExec(absl::Time, const observer::ExecObservation& o) override {
    printf("exec %s%s count=%llu\n", o.path.c_str(), o.privilege_gain ? " PRIVILEGE-GAIN" : "",
           static_cast<unsigned long long>(o.count));
  }
  void OnIdentity(absl::Time, const observer::IdentityObservation& o) override {
    printf("identity %u:%u\n", o.uid, o.gid);
  }
  void OnListen(absl::Time, const observer::ListenObservation& o) override {
    printf("listen %s %s:%u\n", observer::ProtocolName(o.protocol), o.address.c_str(), o.port);
  }
  void OnFlow(absl::Time, const observer::FlowObservation& o) override {
    printf("%s %s %s:%u count=%llu\n",
           o.direction == observer::Direction::kIngress ? "ingress" : "egress",
           observer::ProtocolName(o.protocol), o.ip.c_str(), o.port,
           static_cast<unsigned long long>(o.count));
  }
  void OnDns(absl::Time, const observer::DnsObservation& o) override {
    printf("dns %s\n", o.name.c_str());
  }
  void OnDenial(absl::Time, const observer::DenialObservation& o) override {
    const char* n = util::SyscallName(o.nr);
    printf("denial %s errno=%d %s\n", n ? n : "?", o.error, o.path.c_str());
  }
};

}  // namespace

int main(int argc, char** argv) {
  observer::Options options;
  int i = 1;
  for (; i < argc && strcmp(argv[i], "--") != 0; ++i) {
    if (strcmp(argv[i], "--verify") == 0) options.verify_mode = true;
  }
  if (i + 1 >= argc) {
    fprintf(stderr, "usage: minpriv-observe [--verify] -- CMD [ARG...]\n");
    return 2;
  }
  auto obs = observer::Observer::Create(options);
  if (!obs.ok()) {
    fprintf(stderr, "minpriv-observe: %s\n", std::string(obs.status().message()).c_str());
    return 1;
  }
  auto cg = util::ScopedCgroup::Create(absl::StrCat("minpriv-observe-", getpid()));
  if (!cg.ok()) {
    fprintf(stderr, "minpriv-observe: %s\n", std::string(cg.status().message()).c_str());
    return 1;
  }
  Printer printer;
  if (auto s = (*obs)->Watch(cg->path(), &printer); !s.ok()) {
    fprintf(stderr, "minpriv-observe: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  util::SpawnOptions spawn;
  spawn.cgroup = cg->path();
  auto child = util::Process::Spawn(std::vector<std::string>(argv + i + 1, argv + argc), spawn);
  if (!child.ok()) {
    fprintf(stderr, "minpriv-observe: %s\n", std::string(child.status().message()).c_str());
    return 1;
  }
  while (!child->Poll()) {
    (void)(*obs)->Poll(absl::Milliseconds(100));
  }
  (void)(*obs)->Drain();
  observer::Stats st = (*obs)->GetStats();
  fprintf(stderr, "events=%llu dropped=%llu probe_capability_checks=%llu\n",
          (unsigned long long)st.events, (unsigned long long)st.dropped,
          (unsigned long long)st.probe_capability_checks);
  for (const auto& w : st.warnings) fprintf(stderr, "warning: %s\n", w.c_str());
  return WIFEXITED(child->wait_status()) ? WEXITSTATUS(child->wait_status()) : 1;
}
