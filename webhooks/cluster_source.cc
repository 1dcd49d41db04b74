#include "webhooks/cluster_source.h"

#include <set>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "crd/remediation_proposal_json.h"
#include "spdlog/spdlog.h"
#include "webhooks/cluster_policy.h"

namespace minpriv::webhooks {
namespace {

using nlohmann::json;

const kube::ResourceRef kProposals{"minpriv.dev", "v1alpha1", "remediationproposals", true};
const kube::ResourceRef kClusterSettings{"minpriv.dev", "v1alpha1", "clusterminprivsettings",
                                         false};
const kube::ResourceRef kSettings{"minpriv.dev", "v1alpha1", "minprivsettings", true};
const kube::ResourceRef kReplicaSets{"apps", "v1", "replicasets", true};
const kube::ResourceRef kJobs{"batch", "v1", "jobs", true};

std::optional<kube::ResourceRef> WorkloadResource(const std::string& kind) {
  if (kind == "Deployment") return kube::ResourceRef{"apps", "v1", "deployments", true};
  if (kind == "StatefulSet") return kube::ResourceRef{"apps", "v1", "statefulsets", true};
  if (kind == "DaemonSet") return kube::ResourceRef{"apps", "v1", "daemonsets", true};
  if (kind == "ReplicaSet") return kReplicaSets;
  if (kind == "Job") return kJobs;
  if (kind == "CronJob") return kube::ResourceRef{"batch", "v1", "cronjobs", true};
  if (kind == "Pod") return kube::ResourceRef{"", "v1", "pods", true};
  return std::nullopt;
}

std::string OwnerKey(std::string_view ns, std::string_view kind, std::string_view name) {
  std::string key(ns);
  key.append("/").append(kind).append("/").append(name);
  return key;
}

}  // namespace

ClusterSource::ClusterSource(kube::RestClient client, Options options)
    : client_(std::move(client)), options_(options) {}

absl::StatusOr<std::unique_ptr<ClusterSource>> ClusterSource::Start(kube::RestClient client,
                                                                    Options options) {
  std::unique_ptr<ClusterSource> s(new ClusterSource(std::move(client), options));
  kube::RestClient c = s->client_;
  s->proposals_ = std::make_unique<kube::Reflector>(
      c, kube::Reflector::Options{.resource = kProposals}, s->Notify());
  s->cluster_settings_ = std::make_unique<kube::Reflector>(
      c, kube::Reflector::Options{.resource = kClusterSettings}, s->Notify());
  s->settings_ = std::make_unique<kube::Reflector>(
      c, kube::Reflector::Options{.resource = kSettings}, s->Notify());
  s->replicasets_ = std::make_unique<kube::Reflector>(
      c, kube::Reflector::Options{.resource = kReplicaSets}, s->TrackOwners("ReplicaSet"));
  s->jobs_ = std::make_unique<kube::Reflector>(c, kube::Reflector::Options{.resource = kJobs},
                                               s->TrackOwners("Job"));
  for (auto* r : {s->proposals_.get(), s->cluster_settings_.get(), s->settings_.get(),
                  s->replicasets_.get(), s->jobs_.get()}) {
    r->Start();
  }
  ClusterSource* self = s.get();
  s->builder_ = std::thread([self] { self->Build(); });
  return s;
}

ClusterSource::~ClusterSource() { Stop(); }

void ClusterSource::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    cv_.SignalAll();
  }
  if (builder_.joinable()) builder_.join();
  for (auto* r : {proposals_.get(), cluster_settings_.get(), settings_.get(), replicasets_.get(),
                  jobs_.get()}) {
    if (r != nullptr) r->Stop();
  }
}

kube::EventHandlers ClusterSource::Notify() {
  auto dirty = [this] {
    absl::MutexLock lock(&mu_);
    dirty_ = true;
    cv_.SignalAll();
  };
  return {.on_add = [dirty](const json&) { dirty(); },
          .on_update = [dirty](const json&, const json&) { dirty(); },
          .on_delete = [dirty](const json&) { dirty(); }};
}

kube::EventHandlers ClusterSource::TrackOwners(const char* kind) {
  return {.on_add = [this, kind](const json& o) { SetOwner(o, kind, false); },
          .on_update = [this, kind](const json&, const json& o) { SetOwner(o, kind, false); },
          .on_delete = [this, kind](const json& o) { SetOwner(o, kind, true); }};
}

void ClusterSource::SetOwner(const json& object, const char* kind, bool deleted) {
  std::string key =
      OwnerKey(kube::MetaString(object, "namespace"), kind, kube::MetaString(object, "name"));
  ControllerRef ref;
  const json* meta = Member(object, "metadata");
  const json* refs = meta != nullptr ? Member(*meta, "ownerReferences") : nullptr;
  if (refs != nullptr && refs->is_array()) {
    for (const json& r : *refs) {
      const json* controller = Member(r, "controller");
      if (controller != nullptr && controller->is_boolean() && controller->get<bool>()) {
        ref.kind = r.value("kind", "");
        ref.name = r.value("name", "");
        break;
      }
    }
  }
  absl::MutexLock lock(&owners_mu_);
  if (deleted) {
    owners_.erase(key);
  } else {
    owners_[key] = std::move(ref);
  }
}

std::optional<ControllerRef> ClusterSource::ControllerOf(std::string_view ns,
                                                         std::string_view kind,
                                                         std::string_view name) const {
  std::string key = OwnerKey(ns, kind, name);
  absl::ReaderMutexLock lock(&owners_mu_);
  auto it = owners_.find(key);
  if (it == owners_.end()) return std::nullopt;
  return it->second;
}

bool ClusterSource::Synced() const {
  for (auto* r : {proposals_.get(), cluster_settings_.get(), settings_.get(), replicasets_.get(),
                  jobs_.get()}) {
    if (!r->HasSynced()) return false;
  }
  return true;
}

bool ClusterSource::Ready() const { return published_.load() && Synced(); }

bool ClusterSource::WaitReady(absl::Duration timeout) const {
  absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock lock(&mu_);
  while (!Ready() && !stopping_) {
    if (absl::Now() >= deadline) break;
    // Informers do not signal this condition variable; poll it gently.
    cv_.WaitWithTimeout(&mu_, absl::Milliseconds(50));
  }
  return Ready();
}

void ClusterSource::Build() {
  kube::RestClient reader = client_.WithTimeout(absl::Seconds(5));
  std::set<std::string> reported;  // errors logged once each
  bool retry = false;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (!Synced()) {  // the informers do not signal their sync: look again shortly
        cv_.WaitWithTimeout(&mu_, absl::Milliseconds(50));
        if (stopping_) return;
        continue;
      }
      absl::Time deadline = absl::Now() + (retry ? options_.retry_interval : absl::Hours(1));
      while (!stopping_ && !dirty_ && published_.load()) {
        if (cv_.WaitWithDeadline(&mu_, deadline)) break;
      }
      if (stopping_) return;
      dirty_ = false;
    }
    retry = false;
    std::map<std::string, std::shared_ptr<const ApprovedPolicy>> policies;
    std::map<std::string, CachedWorkload> next;
    std::vector<std::string> errors;
    for (const json& object : proposals_->store().List()) {
      absl::StatusOr<crd::RemediationProposal> rp = crd::RemediationProposalFromJson(object);
      std::string key = kube::ObjectKey(object);
      if (!rp.ok()) {
        errors.push_back(absl::StrCat("RemediationProposal ", key, ": ", rp.status().message()));
        continue;
      }
      if (!IsEnforced(*rp)) continue;
      CachedWorkload cached;
      auto it = workloads_.find(key);
      if (it != workloads_.end() && it->second.proposal_version == rp->metadata.resource_version &&
          !it->second.object.is_null()) {
        cached = it->second;
      } else {
        cached.proposal_version = rp->metadata.resource_version;
        if (std::optional<kube::ResourceRef> ref = WorkloadResource(rp->spec.target.kind)) {
          absl::StatusOr<json> got =
              reader.Get(*ref, rp->metadata.namespace_, rp->spec.target.name);
          if (got.ok()) {
            cached.object = std::move(*got);
          } else {
            retry = true;
            if (!absl::IsNotFound(got.status())) {
              errors.push_back(absl::StrCat("reading the workload of RemediationProposal ", key,
                                            ": ", got.status().message()));
            }
          }
        }
      }
      absl::StatusOr<std::shared_ptr<const ApprovedPolicy>> policy =
          PolicyFromProposal(*rp, cached.object);
      next.emplace(key, std::move(cached));
      if (!policy.ok()) {
        errors.push_back(std::string(policy.status().message()));
        continue;
      }
      if (auto [at, inserted] = policies.emplace((*policy)->key, *policy); !inserted) {
        errors.push_back(absl::StrCat((*policy)->source, ": ", (*policy)->kind, " ",
                                      (*policy)->name, " is also approved in ",
                                      at->second->source, "; the first is enforced"));
      }
    }
    workloads_ = std::move(next);
    ModeOverrides overrides = ModeOverridesFromSettings(
        cluster_settings_->store().List(), settings_->store().List(), &errors);
    size_t count = policies.size();
    Publish(std::make_shared<const PolicySnapshot>(std::move(policies), std::move(overrides)));
    if (!published_.exchange(true)) {
      spdlog::info("webhook: informers synced; enforcing {} approved proposal(s)", count);
    }
    for (const std::string& e : errors) {
      if (reported.insert(e).second) spdlog::warn("webhook: {}", e);
    }
  }
}

}  // namespace minpriv::webhooks
