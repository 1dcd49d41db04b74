// The NodeObserver implementation (node_observer.h) over a BpfObserver loaded in node mode:
// the same skeleton, loader, ring dispatch and decoder as Observer, plus the life of each
// tracked cgroup. Internal to observer/; its members live in files named for their job:
//   node_observer.cc   lifecycle: Create (the free list filled), WatchRoot (the root in
//                      the kernel's `roots`, its existing descendants tracked), Poll, Drain,
//                      stats, Detach
//   node_tracking.cc   the kernel's cgroup records (created, removed, first exec) and the
//                      freeing of slots: final counts, `seen` and `udp_convs` entries, the
//                      syscall bitmap, then the slot back to the free list
//
// Slots: `workloads` has max_containers entries, every one either in the kernel's free list
// (`free_slots` queue), or held by one cgroup (kernel `cgroups` hash → slot, the slot's
// workload_id = that cgroup's id), or waiting here in to_free_ until its state is gone.
// Only user space returns a slot to the free list, after its state was freed.
#ifndef MINPRIV_OBSERVER_NODE_OBSERVER_IMPL_H_
#define MINPRIV_OBSERVER_NODE_OBSERVER_IMPL_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "observer/bpf_observer.h"
#include "observer/node_observer.h"

namespace minpriv::observer {

class NodeObserverImpl : public NodeObserver {
 public:
  static absl::StatusOr<std::unique_ptr<NodeObserverImpl>> Create(const NodeOptions& options);
  NodeObserverImpl(std::unique_ptr<BpfObserver> bpf, const NodeOptions& options,
                   std::string v2_mount);

  absl::Status WatchRoot(const std::string& root, CgroupSinkFactory* factory) override;
  absl::Status Poll(absl::Duration timeout) override;
  absl::Status Drain() override;
  NodeStats GetStats() const override;
  absl::Status SetDenialWatch(uint64_t cgroup_id, bool on) override;
  void Detach() override;

  // ---- for tests: the kernel's state, read from the maps ----
  struct KernelUsage {
    size_t free_slots = 0;         // slots in the free list
    size_t distinct_free = 0;      // of them, distinct and below the capacity
    size_t cgroups = 0;            // entries of the `cgroups` hash
    size_t seen = 0;               // entries of the dedup map
    size_t udp_convs = 0;          // UDP conversations
    size_t workloads_in_use = 0;   // slots with a workload id or a syscall bit set
  };
  // Pops and pushes back the free list: only while no cgroup below a root is created.
  absl::StatusOr<KernelUsage> KernelUsageForTest();

 private:
  struct Root {
    std::string relative;  // below the v2 mount, no leading '/' ("" for the mount itself)
    std::string path;      // absolute
    CgroupSinkFactory* factory = nullptr;
  };
  struct Tracked {
    uint32_t slot = 0;
    ObservationSink* sink = nullptr;
    CgroupSinkFactory* factory = nullptr;
    bool exec_seen = false;  // OnWorkloadExec sent (or the workload ran before WatchRoot)
    bool denials_watched = false;  // SetDenialWatch(on)
  };
  struct ToFree {
    uint64_t id = 0;
    uint32_t slot = 0;
    bool removed = false;  // the cgroup is gone: OnCgroupRemoved once its slot is freed
  };

  // node_tracking.cc
  void OnCgroupRecord(const void* data, size_t size);
  void OnCreated(uint64_t id, uint32_t slot, const std::string& relative);
  void OnRemoved(uint64_t id);
  void OnExec(uint64_t id, uint64_t ts_boot_ns);
  // Hands the cgroup to its root's factory; false when the factory declined it (then its
  // slot is already on its way back).
  bool Offer(uint64_t id, uint32_t slot, const std::string& relative);
  void CollectOrphans();
  void FreePendingSlots();
  // Writes the slot's denial_watch entry: `id` when on, 0 when off.
  absl::Status WriteDenialWatch(uint32_t slot, uint64_t id, bool on);
  // Attaches on_sys_exit while some cgroup's denials are watched, detaches it when none is.
  absl::Status UpdateSysExitLink();
  // node_observer.cc
  absl::Status TrackExisting(const std::string& path);
  void CacheCgroup(uint64_t id, uint32_t slot);
  const Root* RootOf(const std::string& relative) const;
  void SnapshotCounters() const;

  std::unique_ptr<BpfObserver> bpf_;
  NodeOptions options_;
  std::string v2_mount_;  // e.g. /sys/fs/cgroup/unified
  std::vector<Root> roots_;
  std::map<uint64_t, Tracked> tracked_;  // cgroup id → its slot and sink (accepted only)
  std::vector<ToFree> to_free_;
  uint64_t removed_ = 0;
  size_t denials_watched_ = 0;  // tracked cgroups with denials_watched
  LinkPtr sys_exit_link_;      // attached while denials_watched_ > 0, until Detach
  bool detaching_ = false;
  uint64_t existing_full_ = 0;  // existing cgroups found while every slot was taken
  // Kernel counters (the skeleton's .bss), kept when it is unloaded.
  mutable uint64_t kernel_created_ = 0;
  mutable uint64_t kernel_full_ = 0;
};

}  // namespace minpriv::observer

#endif  // MINPRIV_OBSERVER_NODE_OBSERVER_IMPL_H_
