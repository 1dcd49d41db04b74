// node_tracker ROOT OTHERS [denials|denials-other|denials-watched]: the node observer
// (default capacity; with `denials`, the denial hooks `minpriv agent` loads to watch applied
// proposals, switched off for every cgroup; `denials-other`: on for ROOT/other-0 only;
// `denials-watched`: on for ROOT/observed) watching the cgroup ROOT,
// with OTHERS tracked container cgroups created below it (ROOT/other-N, each announced by
// the kernel) and ROOT/observed for the benchmark's loop. Prints "ready" once every one is
// tracked, polls until SIGINT/SIGTERM, then detaches, removes its cgroups and prints
// "stats: tracked=T created=C untracked_full=F events=E dropped=D observed_write=0|1".
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "observer/node_observer.h"
#include "util/syscalls.h"

namespace {

volatile sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

struct CountingSink : minpriv::observer::ObservationSink {
  bool wrote = false;
  void OnSyscall(absl::Time, const minpriv::observer::SyscallObservation& o) override {
    const char* name = minpriv::util::SyscallName(o.nr);
    if (name != nullptr && std::string(name) == "write") wrote = true;
  }
  void OnCapability(absl::Time, const minpriv::observer::CapabilityObservation&) override {}
  void OnFileWrite(absl::Time, const minpriv::observer::FileWriteObservation&) override {}
  void OnExec(absl::Time, const minpriv::observer::ExecObservation&) override {}
  void OnIdentity(absl::Time, const minpriv::observer::IdentityObservation&) override {}
  void OnListen(absl::Time, const minpriv::observer::ListenObservation&) override {}
  void OnFlow(absl::Time, const minpriv::observer::FlowObservation&) override {}
  void OnDns(absl::Time, const minpriv::observer::DnsObservation&) override {}
};

struct Factory : minpriv::observer::CgroupSinkFactory {
  std::vector<CountingSink> sinks = std::vector<CountingSink>(8192);
  size_t used = 0;
  CountingSink* observed = nullptr;
  uint64_t observed_id = 0;
  uint64_t other_id = 0;  // of ROOT/other-0
  minpriv::observer::ObservationSink* OnCgroupCreated(uint64_t id,
                                                      const std::string& rel) override {
    if (used == sinks.size()) return nullptr;
    CountingSink* s = &sinks[used++];
    if (rel.size() >= 9 && rel.compare(rel.size() - 9, 9, "/observed") == 0) {
      observed = s;
      observed_id = id;
    }
    if (rel.size() >= 8 && rel.compare(rel.size() - 8, 8, "/other-0") == 0) other_id = id;
    return s;
  }
  void OnCgroupRemoved(uint64_t) override {}
};

}  // namespace

int main(int argc, char** argv) {
  // denials: the denial hooks loaded (NodeOptions::verify_mode), no cgroup switched on;
  // denials-other: other-0's denials switched on (SetDenialWatch), not the observed one's;
  // denials-watched: the observed cgroup's denials switched on.
  const std::string mode = argc == 4 ? argv[3] : "";
  if (argc != 3 && !(argc == 4 && (mode == "denials" || mode == "denials-other" ||
                                   mode == "denials-watched"))) {
    fprintf(stderr, "usage: node_tracker ROOT OTHERS [denials|denials-other|denials-watched]\n");
    return 2;
  }
  std::string root = argv[1];
  int others = atoi(argv[2]);
  minpriv::observer::NodeOptions options;
  options.verify_mode = argc == 4;
  auto observer = minpriv::observer::NodeObserver::Create(options);
  if (!observer.ok()) {
    fprintf(stderr, "node_tracker: %s\n", observer.status().ToString().c_str());
    return 1;
  }
  Factory factory;
  if (auto s = (*observer)->WatchRoot(root, &factory); !s.ok()) {
    fprintf(stderr, "node_tracker: %s\n", s.ToString().c_str());
    return 1;
  }
  std::vector<std::string> dirs;
  for (int i = 0; i < others; ++i) dirs.push_back(root + "/other-" + std::to_string(i));
  dirs.push_back(root + "/observed");
  for (const std::string& d : dirs) {
    if (mkdir(d.c_str(), 0755) != 0) {
      fprintf(stderr, "node_tracker: mkdir %s: %s\n", d.c_str(), strerror(errno));
      return 1;
    }
  }
  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);
  while (!g_stop && (*observer)->GetStats().tracked < dirs.size()) {
    (*observer)->Poll(absl::Milliseconds(10)).IgnoreError();
  }
  if ((mode == "denials-watched" || mode == "denials-other") && !g_stop) {
    const uint64_t id = mode == "denials-watched" ? factory.observed_id : factory.other_id;
    if (auto s = (*observer)->SetDenialWatch(id, true); !s.ok()) {
      fprintf(stderr, "node_tracker: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  printf("ready: %zu tracked\n", static_cast<size_t>((*observer)->GetStats().tracked));
  fflush(stdout);
  while (!g_stop) (*observer)->Poll(absl::Milliseconds(100)).IgnoreError();
  (*observer)->Detach();
  auto st = (*observer)->GetStats();
  for (const std::string& d : dirs) rmdir(d.c_str());
  fprintf(stderr,
          "stats: tracked=%llu created=%llu untracked_full=%llu events=%llu dropped=%llu "
          "observed_write=%d\n",
          (unsigned long long)st.tracked, (unsigned long long)st.created,
          (unsigned long long)st.untracked_full, (unsigned long long)st.base.events,
          (unsigned long long)st.base.dropped,
          factory.observed != nullptr && factory.observed->wrote ? 1 : 0);
  return 0;
}
