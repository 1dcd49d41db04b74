// The observer: loads minpriv's CO-RE BPF programs, watches workload cgroups, decodes
// kernel events and hands typed observations to one ObservationSink per cgroup.
//
// Lifecycle: Create() (checks root, BTF and BPF, loads and attaches the tracing programs;
// hooks this kernel lacks are switched off with a warning, never silently) → Watch() each
// cgroup (adds it to the in-kernel filter and attaches the cgroup socket hooks) → Poll()
// until done → Detach() (or destruction) removes every program, so observation costs
// nothing once learning stops.
#ifndef MINPRIV_OBSERVER_OBSERVER_H_
#define MINPRIV_OBSERVER_OBSERVER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "observer/observation.h"

namespace minpriv::observer {

struct Options {
  // Also report failures the workload saw that a profile could cause (seccomp EPERM,
  // EROFS/EACCES on writes, failed capability checks) as DenialObservations. Costs a
  // sys_exit hook, so it is off while learning.
  bool verify_mode = false;
  uint32_t ring_buffer_bytes = 16u << 20;
};

struct Stats {
  uint64_t events = 0;                  // events decoded
  uint64_t dropped = 0;                 // events lost (ring buffer full), summed over CPUs
  uint64_t probe_capability_checks = 0;  // capability checks classified as probes, not needs
  uint64_t mkdirs_of_existing = 0;      // `mkdir -p` of directories already there: not writes
  std::vector<std::string> warnings;     // hooks unavailable on this kernel, etc. (sorted)
};

class Observer {
 public:
  static absl::StatusOr<std::unique_ptr<Observer>> Create(const Options& options);
  virtual ~Observer() = default;

  // Starts observing the cgroup v2 directory `cgroup_path` and everything below it.
  // `sink` must outlive the observer (or the next Detach()).
  virtual absl::Status Watch(const std::string& cgroup_path,
                             ObservationSink* sink) = 0;

  // Waits up to `timeout` for events and dispatches them; returns after one batch.
  virtual absl::Status Poll(absl::Duration timeout) = 0;

  // Dispatches everything still buffered (call after the workload stopped), then the
  // occurrence counts: each fact seen again since its first observation (or since the last
  // Drain()) is sent again with `count` = the further occurrences (see observation.h).
  virtual absl::Status Drain() = 0;

  virtual Stats GetStats() const = 0;

  // Detaches every program, dispatches what is still buffered and the final counts (what
  // a Drain() already reported is not reported again), then unloads. Idempotent. Destroying
  // an observer without Detach() unloads too, but calls no sink.
  virtual void Detach() = 0;
};

}  // namespace minpriv::observer

#endif  // MINPRIV_OBSERVER_OBSERVER_H_
