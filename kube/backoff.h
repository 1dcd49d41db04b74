// Exponential backoff with jitter for reconnects: initial, ×factor per failure, capped at max;
// each delay is drawn uniformly from [d·(1−jitter), d] so clients that failed together do not
// retry together. The random source is injectable for tests.
#ifndef MINPRIV_KUBE_BACKOFF_H_
#define MINPRIV_KUBE_BACKOFF_H_

#include <functional>

#include "absl/time/time.h"

namespace minpriv::kube {

class Backoff {
 public:
  struct Options {
    absl::Duration initial = absl::Milliseconds(500);
    absl::Duration max = absl::Seconds(30);
    double factor = 2.0;
    double jitter = 0.5;  // fraction of the delay that is random, in [0, 1]
  };
  using Random = std::function<double()>;  // uniform in [0, 1)

  explicit Backoff(Options options, Random random = nullptr);

  // The delay before the next attempt; grows with every call until Reset().
  absl::Duration Next();
  // A success: the next failure starts again from `initial`.
  void Reset() { current_ = absl::ZeroDuration(); }

 private:
  Options options_;
  Random random_;
  absl::Duration current_;
};

}  // namespace minpriv::kube

#endif  // MINPRIV_KUBE_BACKOFF_H_
