#include "agent/shadow_check.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/node_status_entry.h"
#include "agent/seccomp_installer.h"
#include "agent/shadow_policy.h"
#include "crd/names.h"
#include "crd/remediation_proposal_json.h"
#include "kube/status.h"
#include "profiler/profile_builder.h"
#include "spdlog/spdlog.h"

namespace minpriv::agent {

using nlohmann::json;

namespace {

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

uint64_t FactCount(const crd::ContainerProfile& p) {
  return p.syscalls.size() + p.capability_evidence.size() + p.file_writes.size() +
         p.network.ingress.size() + p.network.egress.size() + p.network.dns.size();
}

}  // namespace

// The record's facts, as they come: the new ones (a key not seen before) go to a pending
// builder until the next Tick judges them.
class ShadowTap : public observer::ObservationSink {
 public:
  ShadowTap(ShadowCheck* owner, const CgroupRecord* record)
      : owner_(owner), record_(record), id_(record->id()) {
    owner_->taps_[id_] = this;
  }
  ~ShadowTap() override { owner_->taps_.erase(id_); }

  void OnSyscall(absl::Time t, const observer::SyscallObservation& o) override {
    if (New(absl::StrCat("s", static_cast<int>(o.abi), ":", o.nr))) Pending().OnSyscall(t, o);
  }
  void OnCapability(absl::Time t, const observer::CapabilityObservation& o) override {
    if (New(absl::StrCat("c", o.cap, ":", o.allowed, ":", o.call_site, ":", o.comm))) {
      Pending().OnCapability(t, o);
    }
  }
  void OnFileWrite(absl::Time t, const observer::FileWriteObservation& o) override {
    if (!New(absl::StrCat("w", static_cast<int>(o.op), ":", o.path))) return;
    process_.emplace(absl::StrCat("write ", o.path), o.comm);
    Pending().OnFileWrite(t, o);
  }
  void OnExec(absl::Time t, const observer::ExecObservation& o) override {
    if (New(absl::StrCat("e", o.privilege_gain, ":", o.path))) Pending().OnExec(t, o);
  }
  void OnIdentity(absl::Time t, const observer::IdentityObservation& o) override {
    if (New(absl::StrCat("u", o.uid, ":", o.gid))) Pending().OnIdentity(t, o);
  }
  void OnListen(absl::Time t, const observer::ListenObservation& o) override {
    if (New(absl::StrCat("l", o.port, ":", static_cast<int>(o.protocol), ":", o.address))) {
      Pending().OnListen(t, o);
    }
  }
  void OnFlow(absl::Time t, const observer::FlowObservation& o) override {
    if (New(absl::StrCat("f", static_cast<int>(o.direction), ":", o.ip, ":", o.port, ":",
                         static_cast<int>(o.protocol)))) {
      Pending().OnFlow(t, o);
    }
  }
  void OnDns(absl::Time t, const observer::DnsObservation& o) override {
    if (New(absl::StrCat("d", o.name))) Pending().OnDns(t, o);
  }

  const CgroupRecord& record() const { return *record_; }
  bool has_pending() const { return pending_ != nullptr; }
  crd::ContainerProfile TakePending() {
    crd::ContainerProfile p = pending_->Build();
    p.name = record_->container();
    pending_.reset();
    return p;
  }
  void ClearPending() { pending_.reset(); }
  const std::map<std::string, std::string>& process() const { return process_; }
  std::string checked_digest;  // whole profile judged against this digest
  std::string proposal_key;    // once attributed

 private:
  bool New(std::string key) { return seen_.insert(std::move(key)).second; }
  profiler::ProfileBuilder& Pending() {
    if (!pending_) pending_ = std::make_unique<profiler::ProfileBuilder>("");
    return *pending_;
  }

  ShadowCheck* owner_;
  const CgroupRecord* record_;
  const uint64_t id_;
  std::set<std::string> seen_;
  std::map<std::string, std::string> process_;  // "write <path>" -> comm
  std::unique_ptr<profiler::ProfileBuilder> pending_;
};

struct ShadowCheck::State {
  bool refresh = true;  // the object changed: decode again
  bool active = false;  // Proposed, decoded, policies built
  std::string ns, name;
  std::string digest;
  std::string since;
  std::map<std::string, remediator::ContainerPolicy> policies;
  std::map<BreakKey, crd::ShadowBreak> breaks;
  bool dirty = false;
  bool live = false;  // a container of its workload runs here (this Tick)
  absl::Time last_written = absl::InfinitePast();
  absl::Time retry_after = absl::InfinitePast();
};

ShadowCheck::ShadowCheck(kube::RestClient client, ShadowOptions options, PodLookup pods,
                         ApiWorker* worker)
    : client_(std::move(client)),
      options_(std::move(options)),
      pods_(std::move(pods)),
      worker_(worker) {}

ShadowCheck::~ShadowCheck() { Stop(); }

absl::Status ShadowCheck::Start(absl::Duration timeout) {
  kube::Reflector::Options o;
  o.resource = kRemediationProposals;
  kube::EventHandlers h;
  auto changed = [this](const json& object) {
    absl::MutexLock l(&mu_);
    changed_.insert(kube::ObjectKey(object));
  };
  h.on_add = changed;
  h.on_update = [changed](const json&, const json& now) { changed(now); };
  h.on_delete = changed;
  reflector_ = std::make_unique<kube::Reflector>(client_, o, std::move(h));
  reflector_->Start();
  if (!reflector_->WaitForSync(timeout)) {
    return absl::UnavailableError(absl::StrCat("remediationproposals (shadow mode): no list within ",
                                               absl::FormatDuration(timeout)));
  }
  return absl::OkStatus();
}

void ShadowCheck::Stop() {
  if (reflector_) reflector_->Stop();
}

std::unique_ptr<observer::ObservationSink> ShadowCheck::NewTap(const CgroupRecord& record) {
  return std::make_unique<ShadowTap>(this, &record);
}

ShadowCheck::State* ShadowCheck::Current(const std::string& key, const CgroupRecord& record,
                                         absl::Time now) {
  std::unique_ptr<State>& s = states_[key];
  if (!s) s = std::make_unique<State>();
  s->live = true;
  if (!s->refresh) return s->active ? s.get() : nullptr;
  s->refresh = false;
  s->active = false;
  const std::optional<json> object = reflector_ ? reflector_->store().Get(key) : std::nullopt;
  if (!object) return nullptr;
  const json status = object->value("status", json::object());
  if (!status.is_object() || status.value("phase", "") != "Proposed") return nullptr;
  absl::StatusOr<crd::ProposalStatus> decoded = crd::ProposalStatusFromJson(status);
  if (!decoded.ok()) return nullptr;  // the controller rewrites what it cannot read
  const std::string digest = crd::ProposalContentDigest(*decoded);
  if (digest != s->digest) {
    // New content: check it from now on (or from this node's earlier entry for it).
    s->ns = record.workload().ns;
    s->name = (*object)["metadata"].value("name", "");
    s->digest = digest;
    s->since = Rfc3339(now);
    s->breaks.clear();
    s->dirty = true;
    for (const crd::ShadowReport& r : decoded->shadow) {
      if (r.node != options_.node || r.proposal_digest != digest) continue;
      s->since = r.since;
      for (const crd::ShadowBreak& b : r.would_be_breaks) s->breaks[{b.container, b.kind, b.what}] = b;
      s->dirty = false;
      s->last_written = now;
    }
    absl::StatusOr<std::map<std::string, remediator::ContainerPolicy>> policies =
        ProposedPolicies(*decoded, s->ns, pods_ ? pods_(record.cgroup().pod_uid) : std::nullopt);
    if (!policies.ok()) {
      spdlog::warn("shadow mode: no policy for proposal={} error=\"{}\"", key,
                   policies.status().ToString());
      absl::MutexLock l(&mu_);
      ++counters_.errors;
      s->policies.clear();
    } else {
      s->policies = *std::move(policies);
    }
  }
  s->active = true;
  return s.get();
}

void ShadowCheck::Tick(absl::Time now) {
  TakeOutcomes(now);
  {
    absl::MutexLock l(&mu_);
    for (const std::string& key : changed_) {
      auto it = states_.find(key);
      if (it != states_.end()) it->second->refresh = true;
    }
    changed_.clear();
  }
  for (auto& [key, s] : states_) s->live = false;
  uint64_t facts = 0, found = 0;
  for (auto& [id, tap] : taps_) {
    const CgroupRecord& r = tap->record();
    if (r.discarded()) {
      tap->ClearPending();
      continue;
    }
    if (!r.attributed()) continue;  // judged once its container is known
    if (tap->proposal_key.empty()) {
      tap->proposal_key = absl::StrCat(r.workload().ns, "/",
                                       crd::MergedProfileName(r.workload().kind, r.workload().name));
    }
    State* s = Current(tap->proposal_key, r, now);
    auto policy = s ? s->policies.find(r.container()) : decltype(s->policies)::iterator();
    if (s == nullptr || policy == s->policies.end()) {
      tap->ClearPending();
      continue;
    }
    crd::ContainerProfile observed;
    const bool whole = tap->checked_digest != s->digest;
    if (whole) {
      observed = r.Build();
      tap->checked_digest = s->digest;
      tap->ClearPending();
    } else if (tap->has_pending()) {
      observed = tap->TakePending();
    } else {
      continue;
    }
    facts += FactCount(observed);
    for (crd::ShadowBreak& b : WouldBeBreaks(policy->second, observed, tap->process(), now)) {
      auto [it, inserted] = s->breaks.try_emplace({b.container, b.kind, b.what}, b);
      if (inserted) {
        ++found;
        s->dirty = true;
        spdlog::info("shadow mode: would-be break proposal={} container={} {} process=\"{}\"",
                     tap->proposal_key, b.container, b.what, b.process);
      } else if (!whole) {
        it->second.count += b.count;
      }
    }
  }
  uint64_t active = 0;
  for (auto it = states_.begin(); it != states_.end();) {
    State& s = *it->second;
    if (!s.live) {  // no container of its workload here any more
      it = states_.erase(it);
      continue;
    }
    if (s.active) {
      ++active;
      if (now >= s.retry_after && (s.dirty || now - s.last_written >= options_.refresh)) {
        Write(s, now);
      }
    }
    ++it;
  }
  absl::MutexLock l(&mu_);
  counters_.facts_checked += facts;
  counters_.would_be_breaks += found;
  counters_.proposals = active;
}

void ShadowCheck::Write(State& s, absl::Time now) {
  crd::ShadowReport report{options_.node, s.digest, s.since, Rfc3339(now), {}, 0};
  for (const auto& [key, b] : s.breaks) {
    if (report.would_be_breaks.size() < crd::kMaxShadowBreaks) {
      report.would_be_breaks.push_back(b);
    } else {
      ++report.truncated;
    }
  }
  const std::string key = absl::StrCat(s.ns, "/", s.name);
  // On the API worker: the polling thread never waits on the network. The outcome is taken
  // up by the next Tick (TakeOutcomes); until then the entry counts as written.
  auto task = [this, key, ns = s.ns, name = s.name, digest = s.digest,
               entry = crd::ShadowReportToJson(report)] {
    WriteOutcome outcome = PatchEntry(ns, name, digest, entry);
    absl::MutexLock l(&mu_);
    outcomes_[key] = outcome;
  };
  if (!worker_->Submit(absl::StrCat("shadow/", key), std::move(task))) return;  // queue full
  s.dirty = false;
  s.last_written = now;
}

ShadowCheck::WriteOutcome ShadowCheck::PatchEntry(const std::string& ns, const std::string& name,
                                                  const std::string& digest, const json& entry) {
  // Only while the proposal is still Proposed with the content checked: else it moved on
  // (the reflector's event follows).
  auto still_wanted = [&digest](const json& status) {
    absl::StatusOr<crd::ProposalStatus> decoded = crd::ProposalStatusFromJson(status);
    return decoded.ok() && decoded->phase && *decoded->phase == crd::ProposalPhase::kProposed &&
           crd::ProposalContentDigest(*decoded) == digest;
  };
  absl::StatusOr<NodeEntryResult> r =
      PatchNodeEntry(client_, ns, name, "shadow", options_.node, entry, still_wanted);
  if (r.ok()) return *r == NodeEntryResult::kGone ? WriteOutcome::kMovedOn : WriteOutcome::kWritten;
  spdlog::warn("shadow mode: writing status.shadow failed proposal={}/{} error=\"{}\"", ns, name,
               r.status().ToString());
  return WriteOutcome::kFailed;
}

void ShadowCheck::TakeOutcomes(absl::Time now) {
  std::map<std::string, WriteOutcome> outcomes;
  {
    absl::MutexLock l(&mu_);
    outcomes.swap(outcomes_);
    for (const auto& [key, outcome] : outcomes) {
      if (outcome == WriteOutcome::kWritten) ++counters_.status_patches;
      if (outcome == WriteOutcome::kFailed) ++counters_.errors;
    }
  }
  for (const auto& [key, outcome] : outcomes) {
    auto it = states_.find(key);
    if (it == states_.end()) continue;
    State& s = *it->second;
    if (outcome == WriteOutcome::kMovedOn) s.refresh = true;
    if (outcome == WriteOutcome::kFailed) {
      s.dirty = true;
      s.retry_after = now + options_.retry;
    }
  }
}

ShadowCounters ShadowCheck::counters() const {
  absl::MutexLock l(&mu_);
  return counters_;
}

std::string ShadowCheck::Metrics() const {
  const ShadowCounters c = counters();
  std::string out;
  auto metric = [&out](const char* name, const char* type, const char* help, uint64_t value) {
    absl::StrAppend(&out, "# HELP minpriv_agent_", name, " ", help, "\n# TYPE minpriv_agent_",
                    name, " ", type, "\nminpriv_agent_", name, " ", value, "\n");
  };
  metric("shadow_proposals", "gauge", "Proposed proposals checked on live traffic on this node.",
         c.proposals);
  metric("shadow_facts_checked_total", "counter", "New behaviours judged against a proposal.",
         c.facts_checked);
  metric("would_be_breaks_total", "counter",
         "Distinct behaviours a proposal would deny, seen on live traffic.", c.would_be_breaks);
  metric("shadow_status_patches_total", "counter", "status.shadow entries written.",
         c.status_patches);
  metric("shadow_errors_total", "counter", "Failed status.shadow writes and unbuildable policies.",
         c.errors);
  return out;
}

}  // namespace minpriv::agent
