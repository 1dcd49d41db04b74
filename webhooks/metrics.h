// The webhook's Prometheus metrics: requests by endpoint, verdict and reason, widenings by
// reason, and a request latency histogram. Thread-safe; Render() writes the text format
// (version 0.0.4) with series sorted, so the output is deterministic.
#ifndef MINPRIV_WEBHOOKS_METRICS_H_
#define MINPRIV_WEBHOOKS_METRICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace minpriv::webhooks {

class Metrics {
 public:
  static constexpr std::array<double, 12> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                      0.005,  0.01,    0.025,  0.05,  0.1,
                                                      0.25,   1.0};
  // verdict: allowed | warned | denied | patched | error; reason: why (no-policy,
  // within-policy, widening, subresource, kind, operation, mode-off, bad-request, ...).
  void RecordRequest(std::string_view endpoint, std::string_view verdict, std::string_view reason,
                     double seconds);
  void RecordWidening(std::string_view reason, std::string_view mode);
  // HTTP-level outcomes outside admission (413, 408, 404...).
  void RecordHttpError(int status);
  std::string Render() const;

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, std::string>, uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, uint64_t> widenings_;
  std::map<int, uint64_t> http_errors_;
  std::map<std::string, Histogram> latency_;  // by endpoint
};

}  // namespace minpriv::webhooks

#endif  // MINPRIV_WEBHOOKS_METRICS_H_
