// Optimistic concurrency: re-run a read-modify-write while the server says 409 Conflict.
#ifndef MINPRIV_KUBE_RETRY_H_
#define MINPRIV_KUBE_RETRY_H_

#include <algorithm>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "kube/status.h"

namespace minpriv::kube {

// Calls `fn` (which must re-read the object, change it and write it) up to `attempts` times
// while it fails with IsConflict(), sleeping 10 ms, 20 ms, ... (at most 1 s) in between.
// Returns fn's last result: OK, its other error, or the last conflict.
template <typename Fn>
absl::Status RetryOnConflict(Fn&& fn, int attempts = 5) {
  absl::Status status;
  for (int i = 0; i < std::max(attempts, 1); ++i) {
    if (i > 0) absl::SleepFor(std::min(absl::Milliseconds(10) * (1 << std::min(i - 1, 7)),
                                       absl::Seconds(1)));
    status = fn();
    if (!IsConflict(status)) return status;
  }
  return status;
}

}  // namespace minpriv::kube

#endif  // MINPRIV_KUBE_RETRY_H_
