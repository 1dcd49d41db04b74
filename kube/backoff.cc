#include "kube/backoff.h"

#include <algorithm>
#include <memory>
#include <random>
#include <utility>

namespace minpriv::kube {

Backoff::Backoff(Options options, Random random)
    : options_(options), random_(std::move(random)), current_(absl::ZeroDuration()) {
  options_.jitter = std::clamp(options_.jitter, 0.0, 1.0);
  if (options_.factor < 1.0) options_.factor = 1.0;
  if (!random_) {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    random_ = [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
  }
}

absl::Duration Backoff::Next() {
  current_ = current_ == absl::ZeroDuration() ? options_.initial : current_ * options_.factor;
  current_ = std::min(current_, options_.max);
  double r = std::clamp(random_(), 0.0, 1.0);
  return current_ * (1.0 - options_.jitter * r);
}

}  // namespace minpriv::kube
