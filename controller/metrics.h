// The controller's counters and gauges, rendered in the Prometheus text format (0.0.4).
#ifndef MINPRIV_CONTROLLER_METRICS_H_
#define MINPRIV_CONTROLLER_METRICS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace minpriv::controller {

struct Metrics {
  std::atomic<int64_t> reconciles{0};
  std::atomic<int64_t> reconcile_errors{0};
  std::atomic<int64_t> writes{0};  // creates, updates, patches and deletes sent
  std::atomic<int64_t> events{0};  // Kubernetes Events created
  std::atomic<bool> leader{false};
  std::atomic<bool> synced{false};
};

// Values read when rendering (queue depth, proposals by phase, watch restarts per resource).
struct MetricsSnapshot {
  int64_t queue_depth = 0;
  std::map<std::string, int64_t> proposals_by_phase;  // every phase, 0 when none
  std::map<std::string, int64_t> watch_restarts;      // resource → restarts
};

std::string RenderMetrics(const Metrics& m, const MetricsSnapshot& s);

}  // namespace minpriv::controller

#endif  // MINPRIV_CONTROLLER_METRICS_H_
