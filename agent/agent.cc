#include "agent/agent.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace minpriv::agent {
namespace {

void Metric(std::string& out, const char* name, const char* type, const char* help,
            uint64_t value) {
  absl::StrAppend(&out, "# HELP minpriv_agent_", name, " ", help, "\n# TYPE minpriv_agent_",
                  name, " ", type, "\nminpriv_agent_", name, " ", value, "\n");
}

}  // namespace

Agent::Agent(kube::RestClient client, AgentOptions options, std::function<absl::Time()> clock,
             AgentApi api)
    : client_(std::move(client)),
      options_(std::move(options)),
      clock_(std::move(clock)),
      worker_(options_.max_api_queue),
      store_(api.profiles ? std::move(api.profiles) : std::make_unique<ApiProfileStore>(client_)),
      async_store_(store_.get(), &worker_),
      table_({options_.node, options_.publish_interval, options_.linger}, &async_store_),
      attribution_(options_.attribution, &table_, clock_),
      settings_(client_),
      owners_(api.get ? std::move(api.get)
                      : OwnerResolver::Getter([this](const kube::ResourceRef& ref,
                                                     const std::string& ns,
                                                     const std::string& name) {
                          return client_.Get(ref, ns, name);
                        }),
              &worker_) {
  if (options_.shadow) {
    shadow_ = std::make_unique<ShadowCheck>(
        client_, ShadowOptions{options_.node, options_.shadow_refresh},
        [this](const std::string& uid) -> std::optional<nlohmann::json> {
          if (!reflector_) return std::nullopt;
          for (nlohmann::json& pod : reflector_->store().List()) {
            if (pod.value("metadata", nlohmann::json::object()).value("uid", "") == uid) return pod;
          }
          return std::nullopt;
        },
        &worker_);
    attribution_.SetTapFactory(
        [this](const CgroupRecord& record) { return shadow_->NewTap(record); });
  }
  RenderMetrics(std::nullopt);
}

Agent::~Agent() {
  Stop();
  worker_.Stop();
}

absl::Status Agent::Start(absl::Duration timeout) {
  kube::Reflector::Options o;
  o.resource = kPods;
  o.field_selector = absl::StrCat("spec.nodeName=", options_.node);
  kube::EventHandlers h;
  h.on_add = [this](const nlohmann::json&) { pods_changed_.store(true); };
  h.on_update = [this](const nlohmann::json&, const nlohmann::json&) { pods_changed_.store(true); };
  h.on_delete = [this](const nlohmann::json&) { pods_changed_.store(true); };
  reflector_ = std::make_unique<kube::Reflector>(client_, o, std::move(h));
  reflector_->Start();
  if (!reflector_->WaitForSync(timeout)) {
    return absl::UnavailableError(absl::StrCat("pods on node ", options_.node,
                                               ": no list within ", absl::FormatDuration(timeout)));
  }
  if (options_.watch_settings) {
    absl::Status settings = settings_.Start(timeout);
    attribution_.SetSettings(settings_.cache());
    if (!settings.ok()) return settings;
  }
  if (shadow_) return shadow_->Start(timeout);
  return absl::OkStatus();
}

void Agent::Stop() {
  if (shadow_) shadow_->Stop();
  if (reflector_) reflector_->Stop();
  settings_.Stop();
}

void Agent::Tick(const NodeCounters& node, bool final) {
  const absl::Time now = clock_();
  // Pods: on every change, and every few seconds for the retention of deleted ones.
  if (reflector_ && (pods_changed_.exchange(false) || now - last_pod_refresh_ > absl::Seconds(5))) {
    pods_.Update(reflector_->store().List(), now);
    last_pod_refresh_ = now;
  }
  attribution_.Attribute(pods_, owners_);
  if (settings_.TakeChanged()) {
    attribution_.TakeBack(table_.Release(
        [this](const WorkloadRef& w) { return attribution_.ExcludedBySettings(w); }));
  }
  // Before publishing: a would-be break reaches status.shadow no later than its partial.
  if (shadow_) shadow_->Tick(now);
  if (final) {
    Flush(node);
  } else {
    table_.Tick(now, node);
  }
  RenderMetrics(last_stats_);
}

void Agent::Flush(const NodeCounters& node) {
  const absl::Time deadline = absl::Now() + options_.final_timeout;
  // Reading a base, then writing: a few rounds, each waiting for the worker.
  for (int round = 0; round < 4; ++round) {
    if (table_.Tick(clock_(), node, /*final=*/true) == 0) return;
    if (!worker_.WaitIdle(deadline - absl::Now())) break;
  }
  table_.Collect();
  spdlog::warn("agent on node {}: the final publication did not finish within {}", options_.node,
               absl::FormatDuration(options_.final_timeout));
}

bool Agent::WaitForApi(absl::Duration timeout) {
  const bool idle = worker_.WaitIdle(timeout);
  table_.Collect();
  RenderMetrics(last_stats_);
  return idle;
}

void Agent::UpdateDenialWatch(observer::NodeObserver& observer) {
  const DenialListener* listener = attribution_.denial_listener();
  if (listener == nullptr) return;
  // New cgroups start on (Attribution::WatchDenialsFromStart): only switch-offs are kept;
  // cgroups gone (NotFound, or no longer listed) are forgotten.
  std::set<uint64_t> off;
  auto update = [&](uint64_t id, bool want) {
    const bool was_off = denials_off_.count(id) > 0;
    absl::Status s = absl::OkStatus();
    if (want == was_off) s = observer.SetDenialWatch(id, want);
    if (absl::IsNotFound(s)) return;
    if (!s.ok()) spdlog::debug("{}", s.ToString());
    if (s.ok() ? !want : was_off) off.insert(id);
  };
  for (const auto& [id, workload] : table_.record_workloads()) {
    update(id, listener->WantsDenialsOf(workload));
  }
  for (uint64_t id : attribution_.DiscardedIds()) update(id, false);
  denials_off_.swap(off);
}

absl::Status Agent::Run(observer::NodeObserver& observer, const std::string& cgroup_root,
                        const std::atomic<bool>& stop) {
  attribution_.SetScanningExisting(true);
  absl::Status watched = observer.WatchRoot(cgroup_root, &attribution_);
  attribution_.SetScanningExisting(false);
  if (!watched.ok()) return watched;
  watching_.store(true);
  spdlog::info("agent on node {}: watching {}", options_.node, cgroup_root);
  absl::Time last_drain = clock_();
  absl::Status status = absl::OkStatus();
  auto counters = [&] {
    last_stats_ = observer.GetStats();
    return NodeCounters{last_stats_->base.dropped, last_stats_->untracked_full};
  };
  while (!stop.load()) {
    if (absl::Status s = observer.Poll(options_.poll_timeout); !s.ok()) {
      status = s;
      break;
    }
    if (clock_() - last_drain >= options_.drain_interval) {
      if (absl::Status s = observer.Drain(); !s.ok()) spdlog::warn("drain: {}", s.ToString());
      last_drain = clock_();
    }
    Tick(counters());
    UpdateDenialWatch(observer);
  }
  if (absl::Status s = observer.Drain(); !s.ok()) spdlog::warn("drain: {}", s.ToString());
  Tick(counters(), /*final=*/true);
  watching_.store(false);
  observer.Detach();
  return status;
}

void Agent::RenderMetrics(const std::optional<observer::NodeStats>& stats) {
  std::string out;
  const AttributionCounters& a = attribution_.counters();
  const TableCounters& t = table_.counters();
  if (stats) {
    Metric(out, "tracked_cgroups", "gauge", "Cgroups the observer tracks now.", stats->tracked);
    Metric(out, "capacity", "gauge", "Cgroups the observer can track at once.", stats->capacity);
    Metric(out, "untracked_full_total", "counter",
           "Cgroups created while every slot was taken (not observed).", stats->untracked_full);
    Metric(out, "events_total", "counter", "Kernel events received.", stats->base.events);
    Metric(out, "drops_total", "counter", "Kernel events dropped (all CPUs).", stats->base.dropped);
  }
  Metric(out, "cgroups_created_total", "counter", "Cgroups reported below the kubelet's root.",
         a.cgroups_created);
  Metric(out, "cgroups_attributed_total", "counter",
         "Container cgroups attributed to a workload.", a.attributed);
  Metric(out, "cgroups_excluded_total", "counter",
         "Container cgroups of excluded pods (own pod, excluded namespaces).", a.excluded);
  Metric(out, "cgroups_excluded_by_settings_total", "counter",
         "Container cgroups not tracked or not attributed because settings turn learning off.",
         a.excluded_by_settings);
  Metric(out, "cgroups_unattributed_total", "counter",
         "Container cgroups removed without a pod status naming them (e.g. pod sandboxes).",
         a.unattributed);
  Metric(out, "cgroups_pending", "gauge", "Container cgroups waiting for their pod's status.",
         a.pending);
  Metric(out, "owner_resolve_errors_total", "counter", "Failed owner lookups (retried).",
         a.resolve_errors);
  Metric(out, "workloads", "gauge", "Workloads tracked on this node.", t.workloads);
  Metric(out, "partials_written_total", "counter", "Partial WorkloadProfiles written.",
         t.partials_written);
  Metric(out, "partials_unchanged_total", "counter",
         "Publications skipped because nothing changed.", t.unchanged_skips);
  Metric(out, "publish_errors_total", "counter", "Failed partial profile writes (retried).",
         t.publish_errors);
  Metric(out, "publish_deferred_total", "counter",
         "Publications put off because the API queue was full.", t.publish_deferred);
  Metric(out, "resumed_total", "counter", "Workloads resumed from a published partial.",
         t.resumed);
  const ApiWorkerCounters w = worker_.counters();
  Metric(out, "api_queue", "gauge", "API calls waiting for the API worker.", w.queued);
  Metric(out, "api_calls_total", "counter", "API calls the API worker made.", w.done);
  Metric(out, "api_replaced_total", "counter",
         "Queued API writes replaced by a newer one of the same object.", w.replaced);
  if (shadow_) absl::StrAppend(&out, shadow_->Metrics());
  absl::MutexLock lock(&metrics_mu_);
  metrics_ = std::move(out);
}

std::string Agent::Metrics() const {
  absl::MutexLock lock(&metrics_mu_);
  return metrics_;
}

}  // namespace minpriv::agent
