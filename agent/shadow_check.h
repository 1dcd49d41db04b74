// Shadow mode on the node: for every RemediationProposal in phase Proposed whose workload
// runs here, the agent checks the workload's live behaviour against what the proposal would
// enforce, without enforcing anything, and reports each would-be break in the proposal's
// status.shadow entry for this node (crd::ShadowReport), keyed by the digest of the content
// it checked (crd::ProposalContentDigest).
//
// Cost: every CgroupRecord has a tap (ShadowTap) that sees the record's facts as they come
// (the kernel deduplicates, so a fact arrives about once) and keeps only those it has not
// seen before, with the process that showed them. Tick judges the new facts of each attributed
// container whose workload has a Proposed proposal (shadow_policy.h: the remediator's
// evaluator), so the work is per new behaviour, not per event; facts of workloads without one
// are dropped at each Tick. When a proposal's content changes (a new digest: re-proposed,
// widened) each container's whole profile so far is judged once against it. Everything runs
// on the observer's polling thread, in Agent::Tick, before the partial profiles are published,
// so a behaviour reaches status.shadow no later than the partial that holds it.
//
// Writes (on the agent's API worker, never on the polling thread): this node's entry is
// merge-patched (conditional on the resourceVersion, retried on a
// conflict, other nodes' entries kept) when its breaks change, and otherwise at most every
// `refresh` (checkedAt). Breaks are sorted by (container, kind, what), at most
// crd::kMaxShadowBreaks, the rest counted in `truncated`. An agent that restarts resumes its
// entry (since, breaks) when the digest is still the current one.
#ifndef MINPRIV_AGENT_SHADOW_CHECK_H_
#define MINPRIV_AGENT_SHADOW_CHECK_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/api_worker.h"
#include "agent/cgroup_record.h"
#include "crd/remediation_proposal.h"
#include "kube/reflector.h"
#include "kube/rest_client.h"
#include "observer/observation.h"
#include "remediator/evaluator.h"

namespace minpriv::agent {

struct ShadowOptions {
  std::string node;
  absl::Duration refresh = absl::Minutes(1);  // checkedAt, when nothing else changed
  absl::Duration retry = absl::Seconds(5);    // after a failed write
};

struct ShadowCounters {
  uint64_t facts_checked = 0;    // facts judged against a proposal
  uint64_t would_be_breaks = 0;  // distinct would-be breaks found
  uint64_t status_patches = 0;
  uint64_t errors = 0;           // failed writes, proposals whose policy cannot be built
  uint64_t proposals = 0;        // Proposed proposals checked on this node now
};

class ShadowTap;

class ShadowCheck {
 public:
  // A pod of this node by uid (its volumes and mounts complete the proposed policy).
  using PodLookup = std::function<std::optional<nlohmann::json>(const std::string& uid)>;

  // `worker` runs the status writes; it must be stopped before this is destroyed.
  ShadowCheck(kube::RestClient client, ShadowOptions options, PodLookup pods, ApiWorker* worker);
  ~ShadowCheck();

  // Starts the proposals' reflector (every namespace) and waits for its first list.
  absl::Status Start(absl::Duration timeout = absl::Seconds(30));
  void Stop();

  // The tap of a new record (it owns it; the tap unregisters when the record goes).
  std::unique_ptr<observer::ObservationSink> NewTap(const CgroupRecord& record);

  // Judges the new facts, writes what changed (polling thread).
  void Tick(absl::Time now);

  ShadowCounters counters() const;
  std::string Metrics() const;  // thread-safe

 private:
  friend class ShadowTap;
  struct State;
  using BreakKey = std::tuple<std::string, std::string, std::string>;  // container, kind, what

  // The state of proposal `key` if it is Proposed now (decoded, policies built), else null.
  State* Current(const std::string& key, const CgroupRecord& record, absl::Time now);
  enum class WriteOutcome { kWritten, kMovedOn, kFailed };
  // Queues this node's entry for the worker (polling thread).
  void Write(State& s, absl::Time now);
  // The write itself (worker thread): conditional merge patch, retried on a conflict.
  WriteOutcome PatchEntry(const std::string& ns, const std::string& name,
                          const std::string& digest, const nlohmann::json& entry);
  // Applies the worker's outcomes to the states (polling thread).
  void TakeOutcomes(absl::Time now);

  kube::RestClient client_;
  const ShadowOptions options_;
  PodLookup pods_;
  ApiWorker* worker_;
  std::unique_ptr<kube::Reflector> reflector_;
  std::map<uint64_t, ShadowTap*> taps_;          // by cgroup id
  std::map<std::string, std::unique_ptr<State>> states_;  // by proposal key ns/name
  mutable absl::Mutex mu_;
  ShadowCounters counters_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> changed_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, WriteOutcome> outcomes_ ABSL_GUARDED_BY(mu_);  // by proposal key  // proposals the reflector saw change
};

}  // namespace minpriv::agent

#endif  // MINPRIV_AGENT_SHADOW_CHECK_H_
