// The observer's statistics: decode counters and the kernel's per-CPU drop counters (events
// lost to a full ring buffer), which survive Detach().
#include <algorithm>
#include <vector>

#include "observer/bpf_observer.h"

namespace minpriv::observer {

Stats BpfObserver::GetStats() const {
  Stats s;
  s.events = decoder_.counters().events;
  s.probe_capability_checks = decoder_.counters().probe_capability_checks;
  s.mkdirs_of_existing = mkdirs_of_existing_;
  s.warnings = warnings_;
  if (skel_) {
    int ncpu = libbpf_num_possible_cpus();
    if (ncpu > 0) {
      std::vector<uint64_t> per_cpu(ncpu);
      uint32_t zero = 0;
      if (bpf_map__lookup_elem(skel_->maps.drops, &zero, sizeof(zero), per_cpu.data(),
                               per_cpu.size() * sizeof(uint64_t), 0) == 0) {
        for (uint64_t d : per_cpu) s.dropped += d;
      }
    }
  }
  dropped_after_detach_ = std::max(dropped_after_detach_, s.dropped);
  s.dropped = dropped_after_detach_;
  return s;
}

}  // namespace minpriv::observer
