// What the observer's kernel tests share (tests/observer_kernel_*_test.cc): a sink that
// records every observation, tests/testprogs/behave started in a cgroup, loopback sockets
// and scratch directories. The tests load the real BPF programs, run behave in its own
// cgroup and assert what the observer reports, field by field. Needs root and this
// machine's kernel.
#ifndef MINPRIV_TESTS_OBSERVER_KERNEL_FIXTURE_H_
#define MINPRIV_TESTS_OBSERVER_KERNEL_FIXTURE_H_

#include <sys/types.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "observer/observation.h"
#include "util/process.h"
#include "util/syscalls.h"

namespace minpriv::kernel_test {

struct Recording : observer::ObservationSink {
  std::set<std::string> syscalls;
  std::set<uint32_t> i386_syscalls;
  std::vector<observer::CapabilityObservation> caps;
  std::set<std::pair<observer::FileOp, std::string>> files;
  std::set<std::pair<std::string, bool>> execs;
  std::set<std::pair<uint32_t, uint32_t>> ids;
  std::set<std::tuple<uint32_t, observer::Protocol, std::string>> listens;
  std::set<std::tuple<observer::Direction, std::string, uint32_t, observer::Protocol>> flows;
  std::set<std::string> dns;
  std::vector<observer::DenialObservation> denials;

  void OnSyscall(absl::Time, const observer::SyscallObservation& o) override {
    if (o.abi == observer::SyscallAbi::kI386) {
      i386_syscalls.insert(o.nr);
      return;
    }
    const char* name = util::SyscallName(o.nr);
    syscalls.insert(name ? name : absl::StrCat("#", o.nr));
  }
  void OnCapability(absl::Time, const observer::CapabilityObservation& o) override {
    caps.push_back(o);
  }
  void OnFileWrite(absl::Time, const observer::FileWriteObservation& o) override {
    files.emplace(o.op, o.path);
  }
  void OnExec(absl::Time, const observer::ExecObservation& o) override {
    execs.emplace(o.path, o.privilege_gain);
  }
  void OnIdentity(absl::Time, const observer::IdentityObservation& o) override {
    ids.emplace(o.uid, o.gid);
  }
  void OnListen(absl::Time, const observer::ListenObservation& o) override {
    listens.emplace(o.port, o.protocol, o.address);
  }
  void OnFlow(absl::Time, const observer::FlowObservation& o) override {
    flows.emplace(o.direction, o.ip, o.port, o.protocol);
  }
  void OnDns(absl::Time, const observer::DnsObservation& o) override { dns.insert(o.name); }
  void OnDenial(absl::Time, const observer::DenialObservation& o) override {
    denials.push_back(o);
  }

  bool HasCap(uint32_t cap, bool allowed = true) const {
    return std::any_of(caps.begin(), caps.end(), [&](const auto& c) {
      return c.cap == cap && c.allowed == allowed;
    });
  }
};

// Starts `argv` (argv[0] a path) inside `cgroup`, where it is born (or which it joins
// before it execs); the handle kills the cgroup when it goes. An empty handle (pid -1),
// and a test failure, when it could not start.
util::Process SpawnInCgroup(const std::string& cgroup, std::vector<std::string> argv);

// Waits for the process; its exit code (128+signal when killed), -1 for an empty handle.
int Wait(util::Process& process);
// The same for a forked child that runs test code (it execs nothing).
int Wait(pid_t pid);

// A bound loopback socket owned by the test (never inside a watched cgroup).
struct TestSocket {
  int fd = -1;
  int port = 0;
  TestSocket(int type, int want_port);
  ~TestSocket();
};

// A free loopback port (bound and released; the test is the only user of it).
int FreePort(int type);

class ObserverKernelTest : public ::testing::Test {
 protected:
  void TearDown() override;
  // A fresh /tmp/minpriv-obs-TAG-XXXXXX, removed when the test ends.
  std::string TempDir(const char* tag);
  std::vector<std::string> dirs_;
};

}  // namespace minpriv::kernel_test

#endif  // MINPRIV_TESTS_OBSERVER_KERNEL_FIXTURE_H_
