// Node-wide observation for `minpriv agent` (docs/cluster.md): one loaded program set per
// node observes every container cgroup created below a watched root (the kubelet's pod
// hierarchy) from its very first syscall, whatever the number of pods.
//
// How it differs from Observer (observer.h), which watches a few known cgroups: here the
// kernel itself starts tracking each new cgroup below a watched root in the `cgroup_mkdir`
// tracepoint (a slot of its own, taken from a free list in BPF), before any process runs in
// it; user space learns of it from a record that precedes every record of that cgroup in
// the ring buffer. A cgroup that is not tracked costs one map lookup per hooked event.
// Capacity (NodeOptions::max_containers) is a hard bound: a cgroup created while it is full
// is counted (NodeStats::untracked_full), never silently missed.
//
// Contract (implemented in observer/, used by agent/):
//   NodeObserver::Create → WatchRoot(root, factory) → Poll until done → Detach.
//   For each cgroup below the root (existing ones at WatchRoot, new ones as created):
//     factory->OnCgroupCreated(id, relative_path) returns the sink for its observations
//     (or nullptr: its observations are counted as unattributed, its slot freed);
//     observations arrive on that sink in order; OnWorkloadExec marks the first successful
//     execve in the cgroup: what came before it is the runtime's (runc/crun init);
//     factory->OnCgroupRemoved(id) after the cgroup's last observations were dispatched;
//     the sink is not used after that, and the slot and its kernel state are freed.
//   All callbacks run on the polling thread. Denials (verify_mode) only of the cgroups
//   switched on with SetDenialWatch.
#ifndef MINPRIV_OBSERVER_NODE_OBSERVER_H_
#define MINPRIV_OBSERVER_NODE_OBSERVER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "observer/observation.h"
#include "observer/observer.h"

namespace minpriv::observer {

struct NodeOptions {
  uint32_t max_containers = 4096;  // tracked cgroups at once (kernel map capacity)
  // 16 MiB as for learn: the ring is mapped twice, so 64 MiB alone would cost 128 MiB of RSS.
  uint32_t ring_buffer_bytes = 16u << 20;
  // Load the denial hooks (seccomp EPERM, EROFS/EACCES as DenialObservations): the agent's
  // after-apply watch. Switched per cgroup at run time (SetDenialWatch, off for a new
  // cgroup): the sys_exit program is attached only while some cgroup is on; then a cgroup
  // switched off pays its invocation and one map lookup, and one switched on also has its
  // file syscalls' paths stashed and its failures checked. Mkdirs are never held for their
  // result (EEXIST is told apart in user space, as for learn).
  bool verify_mode = false;
};

struct NodeStats {
  Stats base;                   // events, drops (summed over CPUs), warnings
  uint64_t tracked = 0;         // cgroups tracked now
  uint64_t capacity = 0;        // max_containers
  uint64_t untracked_full = 0;  // cgroups created while every slot was taken
  uint64_t created = 0;         // cgroups seen created since WatchRoot
  uint64_t removed = 0;         // cgroups seen removed and freed
};

class CgroupSinkFactory {
 public:
  virtual ~CgroupSinkFactory() = default;
  // `relative_path`: the cgroup's path below the cgroup v2 mount, no leading '/', e.g.
  // "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<uid>.slice/
  // cri-containerd-<id>.scope". Returned sink owned by the caller, valid until
  // OnCgroupRemoved(id) returns.
  virtual ObservationSink* OnCgroupCreated(uint64_t cgroup_id,
                                           const std::string& relative_path) = 0;
  virtual void OnWorkloadExec(uint64_t cgroup_id, absl::Time t) {}
  // Right after OnCgroupCreated accepted it (verify_mode only): whether the cgroup's denials
  // are watched from its first syscall (as SetDenialWatch(id, true) would, which cannot be
  // called before the cgroup is tracked).
  virtual bool WatchDenialsFromStart(uint64_t cgroup_id) { return false; }
  virtual void OnCgroupRemoved(uint64_t cgroup_id) = 0;
};

class NodeObserver {
 public:
  static absl::StatusOr<std::unique_ptr<NodeObserver>> Create(const NodeOptions& options);
  virtual ~NodeObserver() = default;

  // Tracks every cgroup below `root` (an absolute cgroup v2 directory, e.g.
  // /sys/fs/cgroup/unified/kubepods.slice): existing descendants now, new ones from their
  // creation. `factory` must outlive the observer.
  virtual absl::Status WatchRoot(const std::string& root, CgroupSinkFactory* factory) = 0;
  virtual absl::Status Poll(absl::Duration timeout) = 0;
  // As Observer::Drain: buffered records, then the occurrence counts.
  virtual absl::Status Drain() = 0;
  virtual NodeStats GetStats() const = 0;
  // Switches the denial reports of the tracked cgroup `cgroup_id` on or off (verify_mode
  // only: FailedPrecondition otherwise; NotFound when the cgroup is not tracked). Off again
  // when the cgroup goes. On the polling thread (e.g. from the factory's callbacks).
  virtual absl::Status SetDenialWatch(uint64_t cgroup_id, bool on) = 0;
  virtual void Detach() = 0;
};

}  // namespace minpriv::observer

#endif  // MINPRIV_OBSERVER_NODE_OBSERVER_H_
