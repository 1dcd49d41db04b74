#include "controller/metrics.h"

#include "absl/strings/str_cat.h"

namespace minpriv::controller {
namespace {

void Metric(std::string& out, const char* name, const char* type, const char* help) {
  absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
}

}  // namespace

std::string RenderMetrics(const Metrics& m, const MetricsSnapshot& s) {
  std::string out;
  Metric(out, "minpriv_controller_reconciles_total", "counter", "Reconciles of a workload key.");
  absl::StrAppend(&out, "minpriv_controller_reconciles_total ", m.reconciles.load(), "\n");
  Metric(out, "minpriv_controller_reconcile_errors_total", "counter",
         "Reconciles that failed and were requeued with backoff.");
  absl::StrAppend(&out, "minpriv_controller_reconcile_errors_total ", m.reconcile_errors.load(),
                  "\n");
  Metric(out, "minpriv_controller_writes_total", "counter",
         "Writes sent to the API server (create, update, patch, delete).");
  absl::StrAppend(&out, "minpriv_controller_writes_total ", m.writes.load(), "\n");
  Metric(out, "minpriv_controller_events_total", "counter", "Kubernetes Events created.");
  absl::StrAppend(&out, "minpriv_controller_events_total ", m.events.load(), "\n");
  Metric(out, "minpriv_controller_queue_depth", "gauge", "Workload keys waiting in the queue.");
  absl::StrAppend(&out, "minpriv_controller_queue_depth ", s.queue_depth, "\n");
  Metric(out, "minpriv_controller_proposals", "gauge", "RemediationProposals by status.phase.");
  for (const auto& [phase, n] : s.proposals_by_phase) {
    absl::StrAppend(&out, "minpriv_controller_proposals{phase=\"", phase, "\"} ", n, "\n");
  }
  Metric(out, "minpriv_controller_watch_restarts_total", "counter",
         "Watches re-opened after they ended, broke or expired, per resource.");
  for (const auto& [resource, n] : s.watch_restarts) {
    absl::StrAppend(&out, "minpriv_controller_watch_restarts_total{resource=\"", resource, "\"} ",
                    n, "\n");
  }
  Metric(out, "minpriv_controller_leader", "gauge", "1 while this replica is the leader.");
  absl::StrAppend(&out, "minpriv_controller_leader ", m.leader.load() ? 1 : 0, "\n");
  Metric(out, "minpriv_controller_caches_synced", "gauge", "1 once every informer listed.");
  absl::StrAppend(&out, "minpriv_controller_caches_synced ", m.synced.load() ? 1 : 0, "\n");
  return out;
}

}  // namespace minpriv::controller
