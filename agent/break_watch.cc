#include "agent/break_watch.h"

#include <algorithm>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/node_status_entry.h"
#include "agent/profile_store.h"
#include "agent/seccomp_installer.h"
#include "crd/profile_json.h"
#include "crd/remediation_proposal_json.h"
#include "kube/status.h"
#include "spdlog/spdlog.h"

namespace minpriv::agent {
namespace {

using nlohmann::json;

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::optional<absl::Time> ParseRfc3339(const std::string& s) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, s, &t, &err)) return std::nullopt;
  return t;
}

// The breaks of `denials` (at or after `since`) for the applied proposal `status`.
crd::NodeBreaks Judge(const std::vector<ContainerDenial>& denials, absl::Time since,
                      const crd::ProposalStatus& status, const LearnedDenials& learned,
                      const std::string& node) {
  std::map<std::tuple<std::string, std::string, std::string>, crd::BreakItem> items;
  std::map<std::tuple<std::string, std::string, std::string>, absl::Time> first;
  for (const ContainerDenial& d : denials) {
    if (d.time < since) continue;
    std::optional<crd::BreakItem> b = ClassifyDenial(d, status, learned);
    if (!b) continue;
    auto key = std::make_tuple(b->container, b->kind, b->what);
    auto [it, inserted] = items.emplace(key, *b);
    if (inserted || d.time < first[key]) {
      first[key] = d.time;
      it->second.process = b->process;
      it->second.evidence = b->evidence;
    }
    it->second.count += static_cast<int64_t>(d.count);
  }
  crd::NodeBreaks out;
  out.node = node;
  out.applied_time = status.applied ? status.applied->time : "";
  for (auto& [key, item] : items) {
    item.first_seen = Rfc3339(first[key]);
    if (out.breaks.size() < crd::kMaxBreaksPerNode) {
      out.breaks.push_back(std::move(item));
    } else {
      ++out.truncated;
    }
  }
  return out;
}

}  // namespace

BreakWatch::BreakWatch(kube::RestClient client, BreakWatchOptions options,
                       std::function<absl::Time()> clock)
    : client_(std::move(client)), options_(std::move(options)), clock_(std::move(clock)) {}

BreakWatch::~BreakWatch() { Stop(); }

absl::Status BreakWatch::Start(absl::Duration timeout, bool start_worker) {
  kube::Reflector::Options o;
  o.resource = kRemediationProposals;
  kube::EventHandlers handlers;
  handlers.on_add = [this](const json& object) { Track(object, false); };
  handlers.on_update = [this](const json&, const json& object) { Track(object, false); };
  handlers.on_delete = [this](const json& last) { Track(last, true); };
  reflector_ = std::make_unique<kube::Reflector>(client_, o, std::move(handlers));
  reflector_->Start();
  if (!reflector_->WaitForSync(timeout)) {
    return absl::UnavailableError(absl::StrCat("remediationproposals: no list within ",
                                               absl::FormatDuration(timeout)));
  }
  if (!start_worker) return absl::OkStatus();
  worker_ = std::thread([this] {
    while (true) {
      {
        absl::MutexLock l(&mu_);
        auto stopping = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
        mu_.AwaitWithTimeout(absl::Condition(&stopping), options_.report_interval);
        if (stopping_) return;
      }
      if (absl::Status s = Report(); !s.ok()) {
        spdlog::warn("break report failed error=\"{}\"", s.ToString());
      }
    }
  });
  return absl::OkStatus();
}

void BreakWatch::Stop() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
  }
  if (worker_.joinable()) worker_.join();
  if (reflector_) reflector_->Stop();
}

void BreakWatch::OnDenial(const ContainerDenial& d) {
  absl::MutexLock l(&mu_);
  ++counters_.denials;
  std::vector<ContainerDenial>& list = denials_[d.workload.Key()];
  if (list.size() >= options_.max_denials_per_workload) {
    ++counters_.denials_dropped;
    return;
  }
  list.push_back(d);
}

void BreakWatch::Track(const json& proposal, bool deleted) {
  absl::StatusOr<crd::RemediationProposal> rp = crd::RemediationProposalFromJson(proposal);
  if (!rp.ok()) return;
  const std::string key = absl::StrCat(rp->metadata.namespace_, "/", rp->metadata.name);
  absl::MutexLock l(&mu_);
  if (!deleted && rp->status.phase == crd::ProposalPhase::kApplied && rp->status.applied) {
    applied_workloads_[key] = absl::StrCat(rp->metadata.namespace_, "/", rp->spec.target.kind,
                                           "/", rp->spec.target.name);
  } else {
    applied_workloads_.erase(key);
  }
}

bool BreakWatch::WantsDenialsOf(const std::string& workload_key) const {
  absl::MutexLock l(&mu_);
  for (const auto& [proposal, workload] : applied_workloads_) {
    if (workload == workload_key) return true;
  }
  return false;
}

absl::StatusOr<const LearnedDenials*> BreakWatch::LearnedFor(const std::string& key,
                                                              const std::string& ns,
                                                              const std::string& profile,
                                                              const std::string& applied_time) {
  auto it = learned_.find(key);
  if (it != learned_.end() && it->second.applied_time == applied_time) return &it->second.denials;
  Learned l{applied_time, {}};
  if (!profile.empty()) {
    absl::StatusOr<json> object = client_.Get(kWorkloadProfiles, ns, profile);
    if (!object.ok() && !absl::IsNotFound(object.status())) return object.status();
    if (object.ok()) {
      absl::StatusOr<crd::WorkloadProfile> p = crd::WorkloadProfileFromJson(*object);
      if (!p.ok()) return p.status();
      for (const crd::ContainerProfile& c : p->containers) {
        for (const crd::CapabilityUse& u : c.capability_evidence) {
          if (u.denied) l.denials.insert({c.name, {u.capability, u.call_site}});
        }
      }
    }
  }
  learned_[key] = std::move(l);
  return &learned_[key].denials;
}

absl::Status BreakWatch::Report() {
  const absl::Time now = clock_();
  std::map<std::string, std::vector<ContainerDenial>> denials;
  {
    absl::MutexLock l(&mu_);
    denials = denials_;
  }
  absl::Status result = absl::OkStatus();
  uint64_t reported = 0;
  std::map<std::string, absl::Time> applied_since;  // workload key → the application's time
  std::set<std::string> applied_keys;                // proposal keys
  for (const json& object : reflector_->store().List()) {
    absl::StatusOr<crd::RemediationProposal> rp = crd::RemediationProposalFromJson(object);
    if (!rp.ok() || rp->status.phase != crd::ProposalPhase::kApplied || !rp->status.applied) {
      continue;
    }
    const crd::ProposalStatus& st = rp->status;
    std::optional<absl::Time> since = ParseRfc3339(st.applied->time);
    if (!since) continue;
    const std::string& ns = rp->metadata.namespace_;
    const std::string workload = absl::StrCat(ns, "/", rp->spec.target.kind, "/",
                                              rp->spec.target.name);
    applied_since[workload] = *since;
    const std::string key = absl::StrCat(ns, "/", rp->metadata.name);
    applied_keys.insert(key);
    absl::StatusOr<const LearnedDenials*> learned = LearnedFor(key, ns, st.profile, st.applied->time);
    if (!learned.ok()) {
      result.Update(learned.status());
      continue;
    }
    auto d = denials.find(workload);
    const crd::NodeBreaks want =
        Judge(d == denials.end() ? std::vector<ContainerDenial>{} : d->second, *since, st,
              **learned, options_.node);
    reported += want.breaks.size();
    const crd::NodeBreaks* have = nullptr;
    for (const crd::NodeBreaks& nb : st.breaks) {
      if (nb.node == options_.node) have = &nb;
    }
    absl::Status s;
    if (want.breaks.empty()) {
      if (have != nullptr && have->applied_time != want.applied_time) {
        s = PatchEntry(ns, rp->metadata.name, std::nullopt);  // an earlier application's
      }
    } else if (have == nullptr || !(*have == want)) {
      s = PatchEntry(ns, rp->metadata.name, crd::NodeBreaksToJson(want));
      if (s.ok()) {
        spdlog::warn("breaks after apply proposal={} node={} breaks={}", key, options_.node,
                     want.breaks.size() + want.truncated);
      }
    }
    result.Update(s);
  }
  for (auto it = learned_.begin(); it != learned_.end();) {  // proposals no longer applied
    it = applied_keys.count(it->first) ? std::next(it) : learned_.erase(it);
  }
  absl::MutexLock l(&mu_);
  counters_.breaks = reported;
  if (!result.ok()) ++counters_.errors;
  // Forget what cannot count any more: denials before their workload's application, and
  // those of workloads without an applied proposal once keep_unapplied passed.
  for (auto it = denials_.begin(); it != denials_.end();) {
    auto a = applied_since.find(it->first);
    const absl::Time cutoff = a != applied_since.end() ? a->second : now - options_.keep_unapplied;
    std::vector<ContainerDenial>& list = it->second;
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const ContainerDenial& d) { return d.time < cutoff; }),
               list.end());
    it = list.empty() ? denials_.erase(it) : std::next(it);
  }
  return result;
}

absl::Status BreakWatch::PatchEntry(const std::string& ns, const std::string& name,
                                    const std::optional<json>& entry) {
  absl::StatusOr<NodeEntryResult> r =
      PatchNodeEntry(client_, ns, name, "breaks", options_.node, entry);
  if (!r.ok()) return r.status();
  if (*r == NodeEntryResult::kPatched) {
    absl::MutexLock l(&mu_);
    ++counters_.status_patches;
  }
  return absl::OkStatus();
}

BreakCounters BreakWatch::counters() const {
  absl::MutexLock l(&mu_);
  return counters_;
}

std::string BreakWatch::Metrics() const {
  const BreakCounters c = counters();
  std::string out;
  auto metric = [&out](const char* name, const char* type, const char* help, uint64_t value) {
    absl::StrAppend(&out, "# HELP minpriv_agent_", name, " ", help, "\n# TYPE minpriv_agent_",
                    name, " ", type, "\nminpriv_agent_", name, " ", value, "\n");
  };
  metric("denials_total", "counter", "Denials that hit workloads after their exec.", c.denials);
  metric("denials_dropped_total", "counter", "Denials not kept (per-workload bound reached).",
         c.denials_dropped);
  metric("breaks", "gauge", "Breaks of applied proposals this node reports.", c.breaks);
  metric("break_status_patches_total", "counter", "status.breaks entries written.",
         c.status_patches);
  metric("break_errors_total", "counter", "Failed break reports (retried).", c.errors);
  return out;
}

}  // namespace minpriv::agent
