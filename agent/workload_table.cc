#include "agent/workload_table.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crd/names.h"
#include "crd/object_meta.h"
#include "crd/profile_json.h"
#include "profiler/profile_builder.h"
#include "spdlog/spdlog.h"

namespace minpriv::agent {

using nlohmann::json;
using RuntimeSyscalls = std::map<std::string, std::set<std::string>>;

struct WorkloadTable::State {
  WorkloadRef ref;
  bool base_loaded = false;
  bool load_pending = false;
  std::optional<crd::WorkloadProfile> base;
  RuntimeSyscalls base_runtime;
  bool restarted = false;  // the base was not marked stopped
  std::map<uint64_t, std::unique_ptr<CgroupRecord>> live;
  std::optional<crd::WorkloadProfile> retired;  // the containers of removed cgroups
  RuntimeSyscalls retired_runtime;
  bool startup_unobserved = false;
  NodeCounters node_at_start;
  std::optional<json> published;
  std::optional<json> pending;  // submitted, not yet written
  absl::Time last_attempt = absl::InfinitePast();
  std::optional<absl::Time> empty_since;
};

namespace {

void AddRuntime(RuntimeSyscalls& into, const CgroupRecord& r) {
  std::set<std::string> s = r.RuntimeSyscalls();
  if (!s.empty()) into[r.container()].insert(s.begin(), s.end());
}

// One record as a WorkloadProfile of one container, with its own window and status.
crd::WorkloadProfile Piece(const CgroupRecord& r) {
  crd::WorkloadProfile p;
  p.containers.push_back(r.Build());
  p.status.window = {profiler::Rfc3339Millis(r.created()),
                     profiler::Rfc3339Millis(r.LastActivity())};
  p.status.incomplete_reasons = r.IncompleteReasons();
  p.status.warnings = r.Warnings();
  p.status.complete = p.status.incomplete_reasons.empty();
  return p;
}

RuntimeSyscalls ParseRuntime(const std::map<std::string, std::string>& annotations) {
  RuntimeSyscalls out;
  auto it = annotations.find(kRuntimeSyscallsAnnotation);
  if (it == annotations.end()) return out;
  json j = json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return out;
  for (const auto& [container, list] : j.items()) {
    if (!list.is_array()) continue;
    for (const json& s : list) {
      if (s.is_string()) out[container].insert(s.get<std::string>());
    }
  }
  return out;
}

}  // namespace

WorkloadTable::WorkloadTable(TableOptions options, AsyncProfileStore* store)
    : options_(std::move(options)), store_(store) {}

WorkloadTable::~WorkloadTable() = default;

std::string WorkloadTable::PartialName(const WorkloadRef& w) const {
  return crd::PartialProfileName(w.kind, w.name, options_.node);
}

void WorkloadTable::Adopt(std::unique_ptr<CgroupRecord> record, absl::Time now) {
  const std::string key = record->workload().Key();
  std::unique_ptr<State>& s = workloads_[key];
  if (!s) {
    s = std::make_unique<State>();
    s->ref = record->workload();
    s->node_at_start = last_node_;
  }
  s->empty_since.reset();
  if (record->preexisting()) s->startup_unobserved = true;
  const uint64_t id = record->id();
  if (record->removed()) {
    // Gone before its pod's status named it (a short-lived pod): fold it in at once.
    AddRuntime(s->retired_runtime, *record);
    s->retired = s->retired ? crd::MergeProfiles({*s->retired, Piece(*record)}) : Piece(*record);
    if (s->live.empty()) s->empty_since = now;
  } else {
    record_workload_[id] = key;
    s->live[id] = std::move(record);
  }
  counters_.workloads = workloads_.size();
  counters_.records = record_workload_.size();
}

void WorkloadTable::MarkWorkloadExec(uint64_t cgroup_id, absl::Time t) {
  auto it = record_workload_.find(cgroup_id);
  if (it == record_workload_.end()) return;
  State& s = *workloads_.at(it->second);
  s.live.at(cgroup_id)->MarkWorkloadExec(t);
}

bool WorkloadTable::Remove(uint64_t cgroup_id, absl::Time now) {
  auto it = record_workload_.find(cgroup_id);
  if (it == record_workload_.end()) return false;
  State& s = *workloads_.at(it->second);
  record_workload_.erase(it);
  auto rec = s.live.find(cgroup_id);
  const CgroupRecord& r = *rec->second;
  AddRuntime(s.retired_runtime, r);
  s.retired = s.retired ? crd::MergeProfiles({*s.retired, Piece(r)}) : Piece(r);
  s.live.erase(rec);
  if (s.live.empty()) s.empty_since = now;
  counters_.records = record_workload_.size();
  return true;
}

void WorkloadTable::ApplyBase(State& s, const std::optional<json>& got) {
  s.base_loaded = true;
  if (!got.has_value()) return;
  crd::ObjectMeta meta;
  absl::StatusOr<crd::WorkloadProfile> base = crd::WorkloadProfileFromJson(*got, &meta);
  if (!base.ok()) {
    // Not a profile this agent can build on: replaced by what it learns from now on.
    spdlog::warn("partial profile {}/{} is malformed, replacing it: {}", s.ref.ns,
                 PartialName(s.ref), base.status().ToString());
    return;
  }
  s.base = *std::move(base);
  s.base_runtime = ParseRuntime(meta.annotations);
  auto state = meta.annotations.find(kAgentStateAnnotation);
  s.restarted = state == meta.annotations.end() || state->second != "stopped";
  ++counters_.resumed;
}

void WorkloadTable::Collect() {
  AsyncProfileStore::Results results = store_->TakeResults();
  for (AsyncProfileStore::Loaded& l : results.loaded) {
    auto it = workloads_.find(l.tag);
    if (it == workloads_.end()) continue;
    State& s = *it->second;
    s.load_pending = false;
    if (!l.object.ok()) {
      ++counters_.load_errors;
      spdlog::warn("reading partial profile {}/{}: {}", s.ref.ns, PartialName(s.ref),
                   l.object.status().ToString());
      continue;
    }
    ApplyBase(s, *l.object);
  }
  for (AsyncProfileStore::Saved& w : results.saved) {
    auto it = workloads_.find(w.tag);
    State* s = it == workloads_.end() ? nullptr : it->second.get();
    if (s != nullptr && s->pending && *s->pending == w.object) s->pending.reset();
    if (w.status.ok()) {
      ++counters_.partials_written;
      if (s != nullptr) s->published = std::move(w.object);
    } else {
      ++counters_.publish_errors;
      spdlog::warn("writing partial profile {}: {}", w.tag, w.status.ToString());
    }
  }
}

std::vector<std::unique_ptr<CgroupRecord>> WorkloadTable::Release(
    const std::function<bool(const WorkloadRef&)>& excluded) {
  std::vector<std::unique_ptr<CgroupRecord>> out;
  for (auto it = workloads_.begin(); it != workloads_.end();) {
    State& s = *it->second;
    if (!excluded(s.ref)) {
      ++it;
      continue;
    }
    for (auto& [id, record] : s.live) {
      record_workload_.erase(id);
      out.push_back(std::move(record));
    }
    store_->Forget(s.ref.ns, PartialName(s.ref));
    it = workloads_.erase(it);
  }
  counters_.workloads = workloads_.size();
  counters_.records = record_workload_.size();
  return out;
}

json WorkloadTable::BuildObject(const State& s, const NodeCounters& node, bool final) const {
  std::vector<crd::WorkloadProfile> parts;
  if (s.base) parts.push_back(*s.base);
  if (s.retired) parts.push_back(*s.retired);
  RuntimeSyscalls runtime = s.base_runtime;
  for (const auto& [container, names] : s.retired_runtime) {
    runtime[container].insert(names.begin(), names.end());
  }
  for (const auto& [id, r] : s.live) {
    parts.push_back(Piece(*r));
    AddRuntime(runtime, *r);
  }
  crd::WorkloadProfile p = crd::MergeProfiles(parts);
  p.name = PartialName(s.ref);
  p.namespace_ = s.ref.ns;
  p.labels = {{crd::kNodeLabel, options_.node},
              {crd::kWorkloadKindLabel, s.ref.kind},
              {crd::kWorkloadNameLabel, s.ref.name}};
  p.target = {s.ref.api_version, s.ref.kind, s.ref.name};
  const std::string on_node = absl::StrCat("node ", options_.node, ": ");
  const uint64_t drops = node.drops - std::min(node.drops, s.node_at_start.drops);
  if (drops > 0) {
    p.status.dropped_events += drops;
    p.status.incomplete_reasons.push_back(absl::StrCat(
        on_node, "the observer dropped events while this workload ran (see droppedEvents)"));
  }
  if (node.untracked_full > s.node_at_start.untracked_full) {
    p.status.incomplete_reasons.push_back(absl::StrCat(
        on_node, "containers created while the observer's capacity was full were not observed"));
  }
  if (s.startup_unobserved && !s.base) {
    p.status.incomplete_reasons.push_back(crd::kReasonStartupNotObserved);
  }
  if (s.restarted) {
    p.status.warnings.push_back(absl::StrCat(
        on_node, "the agent restarted; what it learned in the last publish interval before "
                 "the restart may be missing"));
  }
  crd::Canonicalize(p);
  p.status.complete = p.status.complete && p.status.incomplete_reasons.empty();
  json obj = crd::WorkloadProfileToJson(p);
  json annotations = {{kAgentStateAnnotation, final ? "stopped" : "running"}};
  if (!runtime.empty()) {
    json r = json::object();
    for (const auto& [container, names] : runtime) r[container] = names;
    annotations[kRuntimeSyscallsAnnotation] = r.dump();
  }
  obj["metadata"]["annotations"] = annotations;
  return obj;
}

int WorkloadTable::Tick(absl::Time now, const NodeCounters& node, bool final) {
  Collect();
  last_node_ = node;
  int queued = 0;
  for (auto it = workloads_.begin(); it != workloads_.end();) {
    State& s = *it->second;
    if (!s.base_loaded) {
      if (!s.load_pending && store_->Load(it->first, s.ref.ns, PartialName(s.ref))) {
        s.load_pending = true;
        ++queued;
      }
      ++it;
      continue;
    }
    const bool left = s.live.empty() && s.empty_since && now - *s.empty_since >= options_.linger;
    if (!final && !left && now - s.last_attempt < options_.publish_interval) {
      ++it;
      continue;
    }
    json obj = BuildObject(s, node, final);
    if (s.pending && *s.pending == obj) {  // already on its way
      ++it;
      continue;
    }
    s.last_attempt = now;
    if (!s.pending && s.published && *s.published == obj) {
      ++counters_.unchanged_skips;
      if (left) {  // left the node: published, freed
        store_->Forget(s.ref.ns, PartialName(s.ref));
        it = workloads_.erase(it);
        continue;
      }
    } else if (store_->Save(it->first, obj)) {
      s.pending = std::move(obj);
      ++queued;
    } else {
      ++counters_.publish_deferred;
    }
    ++it;
  }
  counters_.workloads = workloads_.size();
  return queued;
}

}  // namespace minpriv::agent
