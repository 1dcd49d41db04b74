// The agent's per-workload state on this node and the partial WorkloadProfile it publishes:
// named `<kind>-<name>-<node>` (crd::PartialProfileName) in the workload's namespace, with
// labels minpriv.dev/node, minpriv.dev/workload-kind, minpriv.dev/workload-name and
// spec.target, as controller/merge reads them.
//
// - Resume: a workload's first record loads its published partial (if any) as the base; what
//   is learned now is merged into it (crd::MergeProfiles: counts summed, earliest first-seen),
//   so nothing published before a restart is lost. A base the previous agent did not mark
//   stopped (annotation minpriv.dev/agent-state) may lack the last batch: a warning says so.
// - Publish (Tick): at most every `publish_interval` per workload, only when the object's
//   content differs from what was last written. Node-wide drops and cgroups left untracked
//   because the observer's capacity was full, while the workload was tracked, make the
//   partial incomplete with a reason.
// - Containers whose start-up this agent did not see (cgroups that existed when it started)
//   without a base make the partial incomplete (crd::kReasonStartupNotObserved).
// - Syscalls first seen before the workload's exec (the runtime's) are kept in the profile
//   and listed per container in the annotation minpriv.dev/runtime-syscalls (JSON).
// - A workload without cgroups for `linger` left the node: published and freed.
// - API calls (reading a base, writing a partial) go through the AsyncProfileStore: Tick
//   queues them and collects their results on a later Tick (or Collect), so it never waits
//   on the API server. While a write is in flight, a newer object replaces it if still
//   queued; a failed one is retried after `publish_interval`.
#ifndef MINPRIV_AGENT_WORKLOAD_TABLE_H_
#define MINPRIV_AGENT_WORKLOAD_TABLE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/time/time.h"
#include "agent/cgroup_record.h"
#include "agent/pod_info.h"
#include "agent/async_profile_store.h"
#include "crd/workload_profile.h"

namespace minpriv::agent {

inline constexpr char kRuntimeSyscallsAnnotation[] = "minpriv.dev/runtime-syscalls";
inline constexpr char kAgentStateAnnotation[] = "minpriv.dev/agent-state";  // running|stopped

struct TableOptions {
  std::string node;
  absl::Duration publish_interval = absl::Seconds(5);
  absl::Duration linger = absl::Seconds(5);  // no cgroup for this long: left the node
};

// Node-wide observer counters (NodeStats) the partials report against.
struct NodeCounters {
  uint64_t drops = 0;
  uint64_t untracked_full = 0;
};

struct TableCounters {
  uint64_t partials_written = 0;
  uint64_t unchanged_skips = 0;  // due, but nothing new: not written
  uint64_t publish_errors = 0;
  uint64_t publish_deferred = 0;  // the API queue was full: tried again on a later tick
  uint64_t load_errors = 0;
  uint64_t resumed = 0;          // workloads resumed from a published partial
  uint64_t workloads = 0;        // tracked now
  uint64_t records = 0;          // attributed cgroups held now (live or waiting to be folded)
};

class WorkloadTable {
 public:
  WorkloadTable(TableOptions options, AsyncProfileStore* store);
  ~WorkloadTable();

  // An attributed record (its workload and container set).
  void Adopt(std::unique_ptr<CgroupRecord> record, absl::Time now);
  void MarkWorkloadExec(uint64_t cgroup_id, absl::Time t);
  // The cgroup is gone: its profile is folded into its workload's; false when unknown.
  bool Remove(uint64_t cgroup_id, absl::Time now);

  // Collects the API results, then loads bases, publishes what is due and changed, frees
  // workloads that left. `final`: publish everything now, marked stopped (the agent is
  // shutting down). Returns the API calls it queued (0: nothing left to do for now).
  int Tick(absl::Time now, const NodeCounters& node, bool final = false);
  // Takes in the API results that arrived (bases read, partials written).
  void Collect();
  // Stops learning the workloads `excluded` selects: forgets them without publishing again
  // and returns their live records (still the observer's sinks until their cgroups go).
  std::vector<std::unique_ptr<CgroupRecord>> Release(
      const std::function<bool(const WorkloadRef&)>& excluded);

  const TableCounters& counters() const { return counters_; }
  // cgroup id → WorkloadRef::Key() of every record the table holds.
  const std::map<uint64_t, std::string>& record_workloads() const { return record_workload_; }
  // The object name of a workload's partial on this node.
  std::string PartialName(const WorkloadRef& w) const;

 private:
  struct State;
  // The object to write now (without resourceVersion).
  nlohmann::json BuildObject(const State& s, const NodeCounters& node, bool final) const;
  void ApplyBase(State& s, const std::optional<nlohmann::json>& got);

  TableOptions options_;
  AsyncProfileStore* store_;
  std::map<std::string, std::unique_ptr<State>> workloads_;  // by WorkloadRef::Key()
  std::map<uint64_t, std::string> record_workload_;          // cgroup id -> workload key
  TableCounters counters_;
  NodeCounters last_node_;
};

}  // namespace minpriv::agent

#endif  // MINPRIV_AGENT_WORKLOAD_TABLE_H_
