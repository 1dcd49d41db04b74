#include "webhooks/metrics.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace minpriv::webhooks {

void Metrics::RecordRequest(std::string_view endpoint, std::string_view verdict,
                            std::string_view reason, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{std::string(endpoint), std::string(verdict), std::string(reason)}];
  Histogram& h = latency_[std::string(endpoint)];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.counts[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::RecordWidening(std::string_view reason, std::string_view mode) {
  std::lock_guard<std::mutex> lock(mu_);
  ++widenings_[{std::string(reason), std::string(mode)}];
}

void Metrics::RecordHttpError(int status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++http_errors_[status];
}

std::string Metrics::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  out += "# HELP minpriv_webhook_requests_total Admission requests by endpoint, verdict and reason.\n";
  out += "# TYPE minpriv_webhook_requests_total counter\n";
  for (const auto& [k, v] : requests_) {
    absl::StrAppend(&out, "minpriv_webhook_requests_total{endpoint=\"", std::get<0>(k),
                    "\",verdict=\"", std::get<1>(k), "\",reason=\"", std::get<2>(k), "\"} ", v,
                    "\n");
  }
  out += "# HELP minpriv_webhook_widenings_total Widenings found, by reason and mode.\n";
  out += "# TYPE minpriv_webhook_widenings_total counter\n";
  for (const auto& [k, v] : widenings_) {
    absl::StrAppend(&out, "minpriv_webhook_widenings_total{reason=\"", k.first, "\",mode=\"",
                    k.second, "\"} ", v, "\n");
  }
  out += "# HELP minpriv_webhook_http_errors_total HTTP errors outside admission, by status.\n";
  out += "# TYPE minpriv_webhook_http_errors_total counter\n";
  for (const auto& [k, v] : http_errors_) {
    absl::StrAppend(&out, "minpriv_webhook_http_errors_total{code=\"", k, "\"} ", v, "\n");
  }
  out += "# HELP minpriv_webhook_request_duration_seconds Time to decide an admission request.\n";
  out += "# TYPE minpriv_webhook_request_duration_seconds histogram\n";
  for (const auto& [endpoint, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      absl::StrAppend(&out, "minpriv_webhook_request_duration_seconds_bucket{endpoint=\"",
                      endpoint, "\",le=\"", absl::StrFormat("%g", kBuckets[i]), "\"} ",
                      h.counts[i], "\n");
    }
    absl::StrAppend(&out, "minpriv_webhook_request_duration_seconds_bucket{endpoint=\"", endpoint,
                    "\",le=\"+Inf\"} ", h.count, "\n");
    absl::StrAppend(&out, "minpriv_webhook_request_duration_seconds_sum{endpoint=\"", endpoint,
                    "\"} ", absl::StrFormat("%.9f", h.sum), "\n");
    absl::StrAppend(&out, "minpriv_webhook_request_duration_seconds_count{endpoint=\"", endpoint,
                    "\"} ", h.count, "\n");
  }
  return out;
}

}  // namespace minpriv::webhooks
