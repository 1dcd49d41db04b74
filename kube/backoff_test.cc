#include "kube/backoff.h"

#include "gtest/gtest.h"

namespace minpriv::kube {
namespace {

TEST(BackoffTest, DoublesUpToTheCapWithoutJitterAtZero) {
  Backoff backoff({absl::Milliseconds(500), absl::Seconds(30), 2.0, 0.5}, [] { return 0.0; });
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(500));
  EXPECT_EQ(backoff.Next(), absl::Seconds(1));
  EXPECT_EQ(backoff.Next(), absl::Seconds(2));
  for (int i = 0; i < 20; ++i) backoff.Next();
  EXPECT_EQ(backoff.Next(), absl::Seconds(30));
  backoff.Reset();
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(500));
}

TEST(BackoffTest, JitterStaysWithinBounds) {
  double r = 0.999;
  Backoff backoff({absl::Milliseconds(500), absl::Seconds(30), 2.0, 0.5}, [&] { return r; });
  absl::Duration d = backoff.Next();
  EXPECT_GT(d, absl::Milliseconds(250));
  EXPECT_LE(d, absl::Milliseconds(500));
  // With the real random source every delay is in [cap/2, cap] once capped, never above.
  Backoff real({absl::Milliseconds(500), absl::Seconds(30), 2.0, 0.5});
  absl::Duration lo = absl::InfiniteDuration(), hi = absl::ZeroDuration();
  for (int i = 0; i < 200; ++i) {
    absl::Duration next = real.Next();
    EXPECT_GE(next, absl::Milliseconds(250));
    EXPECT_LE(next, absl::Seconds(30));
    if (i > 10) {
      lo = std::min(lo, next);
      hi = std::max(hi, next);
    }
  }
  EXPECT_GE(lo, absl::Seconds(15));
  EXPECT_LT(lo, hi);  // jitter actually varies the delay
}

}  // namespace
}  // namespace minpriv::kube
