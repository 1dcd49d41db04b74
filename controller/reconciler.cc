#include "controller/reconciler.h"

#include <set>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crd/names.h"
#include "crd/object_meta.h"
#include "crd/remediation_proposal_json.h"
#include "spdlog/spdlog.h"

namespace minpriv::controller {
namespace {

using nlohmann::json;

// The fields of a merged profile the controller owns, for comparison.
json OwnedMain(const json& obj) {
  json out;
  out["spec"] = obj.value("spec", json());
  const json meta = obj.value("metadata", json::object());
  out["labels"] = meta.value("labels", json());
  out["annotations"] = meta.value("annotations", json());
  out["ownerReferences"] = meta.value("ownerReferences", json());
  return out;
}

}  // namespace

json WithKind(json workload, const WorkloadKey& key) {
  if (const WorkloadKind* k = FindWorkloadKind(key.kind)) {
    workload["apiVersion"] = k->api_version;
    workload["kind"] = k->kind;
  }
  return workload;
}

namespace {
int64_t ResourceVersion(const json& obj) {
  int64_t v = -1;
  if (!absl::SimpleAtoi(StringAt(obj, "/metadata/resourceVersion"), &v)) return -1;
  return v;
}
}  // namespace

void MutationCache::Remember(const std::string& key, const json& object) {
  absl::MutexLock lock(&mu_);
  written_[key] = object;
}

std::optional<json> MutationCache::Newest(const kube::Store& store, const std::string& key) {
  std::optional<json> cached = store.Get(key);
  absl::MutexLock lock(&mu_);
  auto it = written_.find(key);
  if (it == written_.end()) return cached;
  if (cached && ResourceVersion(*cached) >= ResourceVersion(it->second)) {
    written_.erase(it);  // the cache caught up
    return cached;
  }
  return it->second;
}

void PartialIndex::Upsert(const json& profile) {
  if (StringAt(profile, "/metadata/labels/minpriv.dev~1node").empty()) return;
  std::optional<WorkloadKey> k = TargetKey(profile);
  if (!k) return;
  absl::MutexLock lock(&mu_);
  by_workload_[k->String()].insert(kube::ObjectKey(profile));
}

void PartialIndex::Remove(const json& profile) {
  std::optional<WorkloadKey> k = TargetKey(profile);
  if (!k) return;
  absl::MutexLock lock(&mu_);
  auto it = by_workload_.find(k->String());
  if (it == by_workload_.end()) return;
  it->second.erase(kube::ObjectKey(profile));
  if (it->second.empty()) by_workload_.erase(it);
}

std::vector<std::string> PartialIndex::Of(const std::string& workload_key) const {
  absl::MutexLock lock(&mu_);
  auto it = by_workload_.find(workload_key);
  if (it == by_workload_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

ReconcileResult Reconciler::Reconcile(const WorkloadKey& key) {
  metrics_->reconciles.fetch_add(1);
  const WorkloadKind* kind = FindWorkloadKind(key.kind);
  auto store = caches_.workloads.find(key.kind);
  if (kind == nullptr || store == caches_.workloads.end()) return {};
  std::optional<json> workload = store->second->Get(key.ns + "/" + key.name);
  if (!workload) return {};  // gone: its profile and proposal are owned by it
  const json target = WithKind(*workload, key);
  const crd::EffectiveSettings settings =
      caches_.settings != nullptr ? caches_.settings->Resolve(key)
                                  : DefaultSettings(options_.windows, options_.delivery);
  // Learning off: minpriv leaves the workload alone (what exists stays as it is).
  if (!settings.learning) return {};

  MergeInput in;
  in.key = key;
  in.workload_api_version = kind->api_version;
  in.workload_uid = StringAt(*workload, "/metadata/uid");
  for (const std::string& partial : caches_.partials->Of(key.String())) {
    std::optional<json> p = caches_.profiles->Get(partial);
    if (!p || StringAt(*p, "/metadata/labels/minpriv.dev~1node").empty()) continue;
    std::optional<WorkloadKey> k = TargetKey(*p);
    if (k && *k == key) in.partials.push_back(*std::move(p));
  }
  if (in.partials.empty()) return {};  // nothing learned (yet): nothing to merge
  for (const json& pod : caches_.pods->ListNamespace(key.ns)) {
    if (StringAt(pod, "/status/phase") != "Running" ||
        !IsReplicaOf(pod, key, *workload, caches_.workloads)) {
      continue;
    }
    in.running_pods.push_back(
        {StringAt(pod, "/metadata/name"), StringAt(pod, "/spec/nodeName")});
  }
  const std::string merged_name = crd::MergedProfileName(key.kind, key.name);
  in.existing = written_profiles_.Newest(*caches_.profiles, key.ns + "/" + merged_name);
  in.now = absl::Now();
  in.windows = WindowsOf(settings);
  MergeResult merged = Merge(in);
  for (const std::string& m : merged.malformed) {
    events_.Record(target, "Warning", "InvalidProfile", m);
  }
  if (!merged.has_profile) return {};
  if (absl::Status s = WriteMergedProfile(key, merged, in.existing); !s.ok()) return {s, {}};
  if (merged.reopened) {
    events_.Record(target, "Normal", "LearningReopened",
                   absl::StrCat("new behaviour in ", merged_name, " after learning completed"));
  }
  // The nodes that need its seccomp profiles: where it was learned and where it runs.
  std::set<std::string> nodes;
  for (const json& p : in.partials) nodes.insert(StringAt(p, "/metadata/labels/minpriv.dev~1node"));
  for (const RunningPod& pod : in.running_pods) {
    if (!pod.node.empty()) nodes.insert(pod.node);
  }
  std::optional<absl::Duration> delivery_requeue;
  absl::Status s = ReconcileProposal(key, target, merged, settings, nodes, &delivery_requeue);
  std::optional<absl::Duration> requeue = merged.requeue_after;
  if (delivery_requeue && (!requeue || *delivery_requeue < *requeue)) requeue = delivery_requeue;
  return {s, requeue};
}

absl::Status Reconciler::WriteMergedProfile(const WorkloadKey& key, const MergeResult& merged,
                                            const std::optional<json>& existing) {
  json desired = merged.desired;
  json status = desired.value("status", json::object());
  json current;
  if (!existing) {
    absl::StatusOr<json> created = client_.Create(kProfiles, key.ns, desired);
    metrics_->writes.fetch_add(1);
    if (!created.ok()) return created.status();
    current = *std::move(created);
    written_profiles_.Remember(kube::ObjectKey(current), current);
    spdlog::info("merged profile created workload={} profile={}", key.String(),
                 StringAt(current, "/metadata/name"));
  } else {
    current = *existing;
    if (OwnedMain(current) != OwnedMain(desired)) {
      json update = current;
      update["spec"] = desired["spec"];
      for (const char* f : {"labels", "annotations", "ownerReferences"}) {
        if (desired["metadata"].contains(f)) update["metadata"][f] = desired["metadata"][f];
      }
      absl::StatusOr<json> updated = client_.Update(kProfiles, key.ns, update);
      metrics_->writes.fetch_add(1);
      if (!updated.ok()) return updated.status();
      current = *std::move(updated);
      written_profiles_.Remember(kube::ObjectKey(current), current);
    }
  }
  if (current.value("status", json::object()) != status) {
    json update = current;
    update["status"] = status;
    absl::StatusOr<json> updated = client_.UpdateStatus(kProfiles, key.ns, update);
    metrics_->writes.fetch_add(1);
    if (!updated.ok()) return updated.status();
    written_profiles_.Remember(kube::ObjectKey(*updated), *updated);
    spdlog::info("merged profile status workload={} complete={}", key.String(),
                 merged.complete);
  }
  return absl::OkStatus();
}

absl::StatusOr<json> Reconciler::CreateProposal(const WorkloadKey& key, const json& workload) {
  crd::RemediationProposal rp;
  rp.metadata.name = crd::MergedProfileName(key.kind, key.name);
  rp.metadata.namespace_ = key.ns;
  rp.metadata.labels = {{crd::kWorkloadKindLabel, key.kind},
                        {crd::kWorkloadNameLabel, key.name}};
  rp.metadata.annotations = {{"minpriv.dev/revision", "0"}};
  const std::string uid = StringAt(workload, "/metadata/uid");
  if (!uid.empty()) {
    rp.metadata.owner_references.push_back({StringAt(workload, "/apiVersion"), key.kind,
                                            key.name, uid, true, true});
  }
  rp.spec.target = {StringAt(workload, "/apiVersion"), key.kind, key.name};
  rp.spec.decision = crd::Decision::kPending;
  // spec.delivery stays unset: the settings (or the flag) decide until the operator sets it.
  absl::StatusOr<json> created = client_.Create(kProposals, key.ns, crd::RemediationProposalToJson(rp));
  metrics_->writes.fetch_add(1);
  return created;
}

}  // namespace minpriv::controller
