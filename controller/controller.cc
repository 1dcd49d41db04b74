#include "controller/controller.h"

#include <malloc.h>
#include <unistd.h>

#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "controller/metrics.h"
#include "controller/reconciler.h"
#include "controller/owners.h"
#include "controller/resources.h"
#include "controller/settings_cache.h"
#include "crd/remediation_proposal.h"
#include "kube/config.h"
#include "kube/http_endpoint.h"
#include "kube/leader_election.h"
#include "kube/reflector.h"
#include "kube/rest_client.h"
#include "kube/work_queue.h"
#include "spdlog/spdlog.h"

namespace minpriv::controller {
namespace {

using nlohmann::json;

struct Informer {
  std::string name;
  std::unique_ptr<kube::Reflector> reflector;
};

kube::EventHandlers Handlers(std::function<void(const json&)> on_object) {
  kube::EventHandlers h;
  h.on_add = on_object;
  h.on_update = [on_object](const json& old_object, const json& object) {
    on_object(old_object);
    on_object(object);
  };
  h.on_delete = on_object;
  return h;
}

// Whether the API serves the settings resources (their CRDs are installed).
bool SettingsInstalled(const kube::RestClient& client, const std::string& ns) {
  kube::ListOptions o;
  o.limit = 1;
  absl::Status s = client.List(kMinprivSettings, ns, o).status();
  if (s.ok()) s = client.List(kClusterMinprivSettings, "", o).status();
  if (!s.ok()) spdlog::warn("settings unreadable error=\"{}\"", s.ToString());
  return s.ok();
}

std::string DefaultIdentity() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return absl::StrCat(host, "-", getpid());
}

}  // namespace

absl::Status RunController(const ControllerOptions& options, const std::atomic<bool>* stop) {
  // The caches are many small JSON nodes allocated by informer threads and freed by workers:
  // glibc's per-thread arenas would keep each thread's freed memory apart (measured: 400 MiB
  // peak for 1,000 workloads with the default, 180 MiB with two arenas).
  mallopt(M_ARENA_MAX, 2);
  absl::StatusOr<kube::Config> config =
      kube::LoadDefault(options.kubeconfig, kube::EnvironmentMap());
  if (!config.ok()) return config.status();
  absl::StatusOr<kube::RestClient> client = kube::RestClient::Create(*config);
  if (!client.ok()) return client.status();
  spdlog::info("controller starting server={} namespace={} identity={}", config->DebugString(),
               options.ns.empty() ? "(all)" : options.ns,
               options.identity.empty() ? DefaultIdentity() : options.identity);

  Metrics metrics;
  kube::WorkQueue queue;
  InventoryCache inventory;
  std::vector<Informer> informers;
  // Reflectors are created before their handlers run; handlers that map objects to workload
  // keys read the workload stores through this table, filled below.
  std::map<std::string, const kube::Store*> workload_stores;

  auto add = [&](const std::string& name, const kube::ResourceRef& ref,
                 std::function<void(const json&)> on_object) -> kube::Reflector& {
    kube::Reflector::Options o;
    o.resource = ref;
    o.ns = ref.namespaced ? options.ns : "";
    informers.push_back(
        {name, std::make_unique<kube::Reflector>(*client, o, Handlers(std::move(on_object)))});
    return *informers.back().reflector;
  };
  auto enqueue_target = [&queue](const json& obj) {
    if (std::optional<WorkloadKey> k = TargetKey(obj)) queue.Add(k->String());
  };
  PartialIndex partials;
  kube::EventHandlers profile_handlers;
  profile_handlers.on_add = [&](const json& obj) {
    partials.Upsert(obj);
    enqueue_target(obj);
  };
  profile_handlers.on_update = [&](const json& old_object, const json& obj) {
    partials.Remove(old_object);
    partials.Upsert(obj);
    enqueue_target(old_object);
    enqueue_target(obj);
  };
  profile_handlers.on_delete = [&](const json& obj) {
    partials.Remove(obj);
    enqueue_target(obj);
  };
  kube::Reflector::Options profile_options;
  profile_options.resource = kProfiles;
  profile_options.ns = options.ns;
  informers.push_back({"workloadprofiles", std::make_unique<kube::Reflector>(
                                               *client, profile_options, profile_handlers)});
  kube::Reflector& profiles = *informers.back().reflector;
  kube::Reflector& proposals = add("remediationproposals", kProposals, enqueue_target);
  auto enqueue_namespace = [&queue, &workload_stores](const std::string& ns) {
    for (const auto& [kind, store] : workload_stores) {
      for (const json& w : ns.empty() ? store->List() : store->ListNamespace(ns)) {
        if (kind == "Pod" && ControllerOwner(w)) continue;  // not a workload of its own
        queue.Add(WorkloadKey{StringAt(w, "/metadata/namespace"), kind,
                              StringAt(w, "/metadata/name")}
                      .String());
      }
    }
  };
  for (const WorkloadKind& kind : WorkloadKinds()) {
    if (kind.kind == "Pod") continue;  // the pods informer below
    const std::string k = kind.kind;
    kube::Reflector& r = add(kind.resource.resource, kind.resource, [&queue, k](const json& obj) {
      const std::string ns = StringAt(obj, "/metadata/namespace");
      queue.Add(WorkloadKey{ns, k, StringAt(obj, "/metadata/name")}.String());
      // A ReplicaSet or Job decides which pods its Deployment or CronJob has.
      if (std::optional<json> owner = ControllerOwner(obj)) {
        if (const WorkloadKind* o = FindWorkloadKind(owner->value("kind", ""))) {
          queue.Add(WorkloadKey{ns, o->kind, owner->value("name", "")}.String());
        }
      }
    });
    workload_stores[k] = &r.store();
  }
  kube::Reflector& pods = add("pods", kPods, [&](const json& pod) {
    inventory.Invalidate();
    for (const WorkloadKey& k : OwnerChain(pod, workload_stores)) queue.Add(k.String());
    if (ControllerOwner(pod)) return;
    // A pod no controller owns counts for the workloads whose selector matches it.
    const std::string ns = StringAt(pod, "/metadata/namespace");
    for (const auto& [kind, store] : workload_stores) {
      if (kind == "Pod") continue;
      for (const json& w : store->ListNamespace(ns)) {
        if (SelectsPod(w, pod)) {
          queue.Add(WorkloadKey{ns, kind, StringAt(w, "/metadata/name")}.String());
        }
      }
    }
  });
  workload_stores["Pod"] = &pods.store();
  kube::Reflector& services = add("services", kServices, [&](const json&) { inventory.Invalidate(); });
  kube::Reflector& namespaces =
      add("namespaces", kNamespaces, [&](const json&) { inventory.Invalidate(); });
  kube::Reflector& endpoint_slices =
      add("endpointslices", kEndpointSlices, [&](const json&) { inventory.Invalidate(); });

  // Settings: optional (a cluster without minpriv's settings CRDs runs on the flags).
  SettingsCache settings(DefaultSettings(options.windows, options.delivery));
  const bool have_settings = SettingsInstalled(*client, options.ns);
  if (have_settings) {
    for (const kube::ResourceRef* ref : {&kClusterMinprivSettings, &kMinprivSettings}) {
      kube::EventHandlers h;
      auto upsert = [&settings, &enqueue_namespace](const json& obj) {
        if (absl::Status s = settings.Upsert(obj); !s.ok()) {
          spdlog::warn("settings ignored object={}/{} error=\"{}\"",
                       StringAt(obj, "/metadata/namespace"), StringAt(obj, "/metadata/name"),
                       std::string(s.message()));
        }
        enqueue_namespace(StringAt(obj, "/metadata/namespace"));
      };
      h.on_add = upsert;
      h.on_update = [upsert](const json&, const json& obj) { upsert(obj); };
      h.on_delete = [&settings, &enqueue_namespace](const json& obj) {
        settings.Remove(obj);
        enqueue_namespace(StringAt(obj, "/metadata/namespace"));
      };
      kube::Reflector::Options o;
      o.resource = *ref;
      o.ns = ref->namespaced ? options.ns : "";
      informers.push_back({ref->resource, std::make_unique<kube::Reflector>(*client, o, h)});
    }
  } else {
    spdlog::warn("settings CRDs not served (minprivsettings, clusterminprivsettings): the flags "
                 "apply to every workload");
  }

  Caches caches{&partials,
                &profiles.store(),
                &proposals.store(),
                &pods.store(),
                &services.store(),
                &namespaces.store(),
                &endpoint_slices.store(),
                have_settings ? &settings : nullptr,
                workload_stores};
  ReconcilerOptions ropts{options.windows, options.delivery, options.pull_request};
  ropts.shadow_period = options.shadow_period;
  Reconciler reconciler(*client, caches, &inventory, ropts, &metrics);

  std::unique_ptr<kube::HttpEndpoint> endpoint;
  if (!options.metrics_addr.empty()) {
    auto started = kube::HttpEndpoint::Start(
        options.metrics_addr,
        [&]() {
          MetricsSnapshot s;
          s.queue_depth = static_cast<int64_t>(queue.Len());
          for (const std::string& p : crd::PhaseNames()) s.proposals_by_phase[p] = 0;
          for (const json& rp : proposals.store().List()) {
            std::string phase = StringAt(rp, "/status/phase");
            if (!phase.empty()) ++s.proposals_by_phase[phase];
          }
          for (const Informer& i : informers) {
            kube::Reflector::Stats st = i.reflector->stats();
            s.watch_restarts[i.name] = std::max<int64_t>(st.watches - 1, 0);
          }
          return RenderMetrics(metrics, s);
        },
        [&]() { return metrics.synced.load(); });
    if (!started.ok()) return started.status();
    endpoint = *std::move(started);
    spdlog::info("serving /metrics /healthz /readyz addr={}", options.metrics_addr);
  }

  for (Informer& i : informers) i.reflector->Start();
  for (Informer& i : informers) {
    while (!i.reflector->WaitForSync(absl::Milliseconds(200))) {
      if (stop->load()) return absl::OkStatus();
    }
  }
  metrics.synced.store(true);
  spdlog::info("caches synced informers={}", informers.size());

  std::vector<std::thread> workers;
  std::atomic<bool> lost{false};
  auto start_workers = [&]() {
    metrics.leader.store(true);
    spdlog::info("leading: starting workers={}", options.workers);
    for (const auto& [kind, store] : workload_stores) {
      for (const std::string& key : store->Keys()) {
        const size_t slash = key.find('/');
        queue.Add(WorkloadKey{key.substr(0, slash), kind, key.substr(slash + 1)}.String());
      }
    }
    for (int i = 0; i < options.workers; ++i) {
      workers.emplace_back([&]() {
        while (std::optional<std::string> key = queue.Get()) {
          std::optional<WorkloadKey> k = WorkloadKey::Parse(*key);
          ReconcileResult r;
          if (k) r = reconciler.Reconcile(*k);
          if (!r.status.ok()) {
            metrics.reconcile_errors.fetch_add(1);
            spdlog::warn("reconcile failed key={} requeues={} error=\"{}\"", *key,
                         queue.NumRequeues(*key), r.status.ToString());
            queue.AddRateLimited(*key);
          } else {
            queue.Forget(*key);
            if (r.requeue_after) queue.AddAfter(*key, *r.requeue_after);
          }
          queue.Done(*key);
        }
      });
    }
  };

  std::unique_ptr<kube::LeaderElector> elector;
  if (options.lease_namespace.empty()) {
    start_workers();
  } else {
    kube::LeaderElector::Options lo;
    lo.lease_namespace = options.lease_namespace;
    lo.lease_name = options.lease_name;
    lo.identity = options.identity.empty() ? DefaultIdentity() : options.identity;
    lo.lease_duration = options.lease_duration;
    lo.renew_deadline = options.lease_duration * 2 / 3;
    lo.retry_period = options.lease_duration / 8;
    std::atomic<bool> start_requested{false};
    lo.on_started_leading = [&]() { start_requested.store(true); };
    lo.on_stopped_leading = [&]() { lost.store(true); };
    if (absl::Status s = kube::LeaderElector::Validate(lo); !s.ok()) return s;
    elector = std::make_unique<kube::LeaderElector>(*client, lo);
    elector->Start();
    spdlog::info("waiting for leadership lease={}/{} identity={}", lo.lease_namespace,
                 lo.lease_name, lo.identity);
    while (!stop->load() && !start_requested.load()) absl::SleepFor(absl::Milliseconds(50));
    if (start_requested.load() && !stop->load()) start_workers();
  }
  while (!stop->load() && !lost.load()) absl::SleepFor(absl::Milliseconds(100));
  queue.ShutDown();
  for (std::thread& t : workers) t.join();
  metrics.leader.store(false);
  if (elector) elector->Stop();
  for (Informer& i : informers) i.reflector->Stop();
  if (lost.load()) return absl::AbortedError("lost the leader lease");
  spdlog::info("controller stopped");
  return absl::OkStatus();
}

}  // namespace minpriv::controller
