// The Observer implementation over minpriv's BPF skeleton. Internal to observer/; the node
// observer (node_observer_impl.h) drives one too, in node mode, through the members marked
// below. Its members live in files named for their job:
//   observer.cc       lifecycle: Create, Load (program_loader.h) → Detach / Unload
//   cgroup_watch.cc   Watch: the in-kernel cgroup filter and the per-cgroup socket hooks
//   ring_dispatch.cc  ring-buffer polling and draining, dispatch to sinks, kernel counts
//   observer_stats.cc Stats: decode counters and the per-CPU drop counters
#ifndef MINPRIV_OBSERVER_BPF_OBSERVER_H_
#define MINPRIV_OBSERVER_BPF_OBSERVER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "observer/bpf_handles.h"
#include "observer/boot_clock.h"
#include "observer/cap_classifier.h"
#include "observer/decoder.h"
#include "observer/observer.h"
#include "observer/program_loader.h"
#include "util/fd.h"

namespace minpriv::observer {

class BpfObserver : public Observer {
 public:
  explicit BpfObserver(KallsymsSymbolizer symbolizer)
      : symbolizer_(std::move(symbolizer)), decoder_(&symbolizer_, BootToUnixNs()) {}
  // Unloads without calling the sinks (they may be gone by now); Detach() delivers.
  ~BpfObserver() override { Unload(); }

  // Checks what loading needs (root, the kernel's BTF) and reads the kernel's symbols.
  static absl::StatusOr<std::unique_ptr<BpfObserver>> CreateUnloaded();
  absl::Status Load(const Options& options, NodeSizing node = {});
  absl::Status Watch(const std::string& cgroup_path, ObservationSink* sink) override;
  absl::Status Poll(absl::Duration timeout) override;
  absl::Status Drain() override;
  Stats GetStats() const override;
  void Detach() override;

  // ---- for the node observer (node mode) ----
  minpriv_bpf* skel() const { return skel_.get(); }
  EventDecoder& decoder() { return decoder_; }
  // Attaches the cgroup socket hooks to `cgroup_path` (descendants included).
  absl::Status AttachCgroupPrograms(const std::string& cgroup_path);
  // The records of workload (cgroup) `id` go to `sink` from now on; `cgroup_path` is its
  // directory (the existing-directory check of mkdirs looks at its processes).
  void SetSink(uint64_t id, ObservationSink* sink, const std::string& cgroup_path);
  void EraseSink(uint64_t id);
  // MP_EV_CGROUP records go to `handler` (in ring order, on the polling thread).
  using CgroupRecordHandler = std::function<void(const void* data, size_t size)>;
  void SetCgroupRecordHandler(CgroupRecordHandler handler) {
    cgroup_records_ = std::move(handler);
  }
  // Detach() in two steps, so that the node observer can free what the last records
  // removed in between: StopPrograms detaches every program and dispatches what is still
  // buffered; FinishDetach reports the final counts and unloads.
  void StopPrograms();
  void FinishDetach();

 private:
  static int OnRecord(void* ctx, void* data, size_t size);
  // Whether a learned mkdir record is a `mkdir -p` of a directory that already existed
  // (existing_mkdir.h); then its dedup key is gone from the kernel, so a later mkdir that
  // does create it is reported, and the record is dropped.
  bool DropMkdirOfExisting(const void* data, size_t size, uint64_t workload_id);
  bpf_program* Program(std::string_view name) const;
  absl::Status AddCgroupTree(const std::string& path, uint32_t slot);
  // Hands the kernel's hit counts (the `seen` map) to the decoder, which reports the
  // occurrences not reported yet as counts.
  void ReportCounts();
  // Delivers the mkdir records still waiting for their call's result (programs detached
  // meanwhile): kept as writes, never narrower than observed.
  void FlushPendingMkdirs();
  void Unload();

  KallsymsSymbolizer symbolizer_;
  EventDecoder decoder_;
  bool verify_mode_ = false;
  std::map<uint64_t, std::string> cgroup_paths_;  // workload id → watched cgroup
  SkelPtr skel_;
  RingPtr ring_;
  std::vector<LinkPtr> links_;
  std::vector<util::UniqueFd> cgroup_fds_;
  std::set<std::string> disabled_;  // programs not loaded
  std::vector<std::string> warnings_;
  std::map<uint64_t, ObservationSink*> sinks_;  // workload id → sink
  uint32_t next_slot_ = 0;
  uint64_t unattributed_ = 0;
  uint64_t mkdirs_of_existing_ = 0;  // EEXIST mkdirs told apart (not writes)
  mutable uint64_t dropped_after_detach_ = 0;  // drops survive Detach()
  absl::Status callback_status_;
  CgroupRecordHandler cgroup_records_;  // node mode
};

}  // namespace minpriv::observer

#endif  // MINPRIV_OBSERVER_BPF_OBSERVER_H_
