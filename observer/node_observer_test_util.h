// What the node observer's kernel tests share (node_observer_*_test.cc): a factory that
// logs, per container cgroup, everything its sink receives in order (with the workload's
// exec boundary among it), and a fixture owning a fresh root cgroup below the v2 mount and
// a NodeObserver watching it.
#ifndef MINPRIV_OBSERVER_NODE_OBSERVER_TEST_UTIL_H_
#define MINPRIV_OBSERVER_NODE_OBSERVER_TEST_UTIL_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "observer/node_observer.h"
#include "observer/node_observer_impl.h"

namespace minpriv::observer::node_test {

// One container cgroup's observations as "syscall:NAME", "exec:PATH", "file:OP:PATH",
// "cap:N", "identity:UID:GID", "listen:PORT", "flow:IP:PORT", "dns:NAME", "denial:SYSCALL:ERRNO", and
// "workload-exec" where OnWorkloadExec came.
struct ContainerLog : ObservationSink {
  uint64_t id = 0;
  std::vector<std::string> entries;
  std::string Dump() const;

  void OnSyscall(absl::Time, const SyscallObservation& o) override;
  void OnCapability(absl::Time, const CapabilityObservation& o) override;
  void OnFileWrite(absl::Time, const FileWriteObservation& o) override;
  void OnExec(absl::Time, const ExecObservation& o) override;
  void OnIdentity(absl::Time, const IdentityObservation& o) override;
  void OnListen(absl::Time, const ListenObservation& o) override;
  void OnFlow(absl::Time, const FlowObservation& o) override;
  void OnDns(absl::Time, const DnsObservation& o) override;
  void OnDenial(absl::Time, const DenialObservation& o) override;
};

struct RecordingFactory : CgroupSinkFactory {
  // Which relative paths get a sink (others: nullptr).
  std::function<bool(const std::string&)> accept = [](const std::string&) { return true; };
  std::map<std::string, std::unique_ptr<ContainerLog>> logs;  // by relative path
  std::map<uint64_t, ContainerLog*> by_id;
  std::set<std::string> declined;
  std::set<uint64_t> removed;
  int created_count = 0;  // accepted
  bool removed_twice = false;

  ObservationSink* OnCgroupCreated(uint64_t cgroup_id, const std::string& relative_path) override;
  void OnWorkloadExec(uint64_t cgroup_id, absl::Time t) override;
  void OnCgroupRemoved(uint64_t cgroup_id) override;

  ContainerLog* Find(const std::string& relative_path);
  // Polls until the cgroup `relative_path` was offered and accepted (10 s).
  ContainerLog* WaitForCreated(class NodeTest& t, const std::string& relative_path);
};

class NodeTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

 public:
  // Creates the observer (`options`) watching root_; false (and a test failure) on error.
  bool Start(const NodeOptions& options);
  // mkdir -p of `relative` below root_; its absolute path.
  std::string Mkdirs(const std::string& relative);
  // The relative path (below the v2 mount) of `relative` below root_.
  std::string rel(const std::string& relative) const { return root_rel_ + "/" + relative; }
  // Polls until `done` or 10 s.
  bool PollUntil(const std::function<bool()>& done);
  NodeObserverImpl* impl() { return static_cast<NodeObserverImpl*>(observer.get()); }

  RecordingFactory factory;
  std::unique_ptr<NodeObserver> observer;
  std::string root_;      // absolute
  std::string root_rel_;  // below the v2 mount
};

}  // namespace minpriv::observer::node_test

#endif  // MINPRIV_OBSERVER_NODE_OBSERVER_TEST_UTIL_H_
