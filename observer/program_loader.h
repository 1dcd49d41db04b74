// Loading minpriv's BPF skeleton: open → set rodata → load → attach the global tracing
// programs, every step checked, with load-time feature detection: a hook this kernel lacks
// is switched off (bpf_program__set_autoload(false)) with a warning when the observer can
// do without it, and is an error otherwise. Internal to observer/.
#ifndef MINPRIV_OBSERVER_PROGRAM_LOADER_H_
#define MINPRIV_OBSERVER_PROGRAM_LOADER_H_

#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "observer/bpf_handles.h"
#include "observer/observer.h"

namespace minpriv::observer {

// A program of the skeleton and what observation it gives.
struct ProgramInfo {
  const char* name;
  const char* what;
  bool optional;  // its absence degrades observation (with a warning) instead of failing
  bool cgroup;    // attached per watched cgroup (Observer::Watch), not at load
};

// Every program of the skeleton, in attach order.
std::span<const ProgramInfo> Programs();

// The program called `name` in the loaded object; nullptr when there is none.
bpf_program* FindProgram(const minpriv_bpf& skel, std::string_view name);

struct LoadedPrograms {
  SkelPtr skel;
  std::vector<LinkPtr> links;         // the global tracing programs, attached
  std::set<std::string> disabled;     // programs not loaded
  std::vector<std::string> warnings;  // what is not observed on this kernel (unsorted)
};

// Node mode (node_observer.h): `slots` cgroups tracked at once, each with a slot of its
// own; 0 is the learn mode of Observer. The maps that hold per-slot state are sized for it
// at load time (SeenEntriesFor: the dedup map).
struct NodeSizing {
  uint32_t slots = 0;
  // Node mode: on_sys_exit is loaded (verify_mode) but not attached here; the node observer
  // attaches it while some cgroup's denials are watched (NodeObserver::SetDenialWatch).
  bool defer_sys_exit = false;
};
// Dedup (`seen`) entries for `slots` node-mode slots: 64 facts per slot on average (an LRU:
// beyond that, the oldest facts are reported again, never lost), and never fewer than the
// learn mode's 65,536.
uint32_t SeenEntriesFor(uint32_t slots);

// Loads the skeleton for `options` and attaches its global tracing programs.
absl::StatusOr<LoadedPrograms> LoadPrograms(const Options& options, NodeSizing node = {});

}  // namespace minpriv::observer

#endif  // MINPRIV_OBSERVER_PROGRAM_LOADER_H_
