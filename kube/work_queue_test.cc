#include "kube/work_queue.h"

#include <sys/resource.h>

#include <thread>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace minpriv::kube {
namespace {

TEST(WorkQueueTest, DeduplicatesQueuedKeysInOrder) {
  WorkQueue queue;
  queue.Add("a");
  queue.Add("b");
  queue.Add("a");
  EXPECT_EQ(queue.Len(), 2u);
  EXPECT_EQ(*queue.Get(), "a");
  EXPECT_EQ(*queue.Get(), "b");
  EXPECT_EQ(queue.Len(), 0u);
}

TEST(WorkQueueTest, KeyAddedWhileProcessingIsHandedOutAgainAfterDone) {
  WorkQueue queue;
  queue.Add("a");
  std::string key = *queue.Get();
  queue.Add("a");  // changed while being processed
  queue.Add("a");
  EXPECT_EQ(queue.Len(), 0u);  // not handed to a second worker concurrently
  queue.Done(key);
  EXPECT_EQ(queue.Len(), 1u);
  EXPECT_EQ(*queue.Get(), "a");
  queue.Done("a");
  EXPECT_EQ(queue.Len(), 0u);
}

TEST(WorkQueueTest, AddAfterDelaysAndKeepsTheEarlierTime) {
  WorkQueue queue;
  absl::Time start = absl::Now();
  queue.AddAfter("late", absl::Milliseconds(300));
  queue.AddAfter("soon", absl::Milliseconds(100));
  queue.AddAfter("soon", absl::Seconds(10));  // the earlier time stays
  EXPECT_EQ(queue.Len(), 0u);
  EXPECT_EQ(queue.Waiting(), 2u);
  EXPECT_EQ(*queue.Get(), "soon");
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(100));
  EXPECT_EQ(*queue.Get(), "late");
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(WorkQueueTest, RateLimitedBacksOffPerKeyUntilForget) {
  WorkQueue queue({absl::Milliseconds(40), absl::Milliseconds(200)});
  for (int i = 0; i < 4; ++i) {
    absl::Time start = absl::Now();
    queue.AddRateLimited("k");
    std::string key = *queue.Get();
    absl::Duration waited = absl::Now() - start;
    absl::Duration expected = std::min(absl::Milliseconds(40) * (1 << i), absl::Milliseconds(200));
    EXPECT_GE(waited, expected - absl::Milliseconds(2)) << i;
    queue.Done(key);
  }
  EXPECT_EQ(queue.NumRequeues("k"), 4);
  queue.Forget("k");
  EXPECT_EQ(queue.NumRequeues("k"), 0);
  absl::Time start = absl::Now();
  queue.AddRateLimited("k");
  queue.Get();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(150));  // back to the base delay
}

TEST(WorkQueueTest, ShutDownUnblocksGetAndBlockedGetUsesNoCpu) {
  WorkQueue queue;
  absl::Notification returned;
  std::optional<std::string> got = "unset";
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  std::thread worker([&] {
    got = queue.Get();
    returned.Notify();
  });
  EXPECT_FALSE(returned.WaitForNotificationWithTimeout(absl::Milliseconds(300)));
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  double cpu = (after.ru_utime.tv_sec - before.ru_utime.tv_sec) +
               (after.ru_utime.tv_usec - before.ru_utime.tv_usec) / 1e6 +
               (after.ru_stime.tv_sec - before.ru_stime.tv_sec) +
               (after.ru_stime.tv_usec - before.ru_stime.tv_usec) / 1e6;
  EXPECT_LT(cpu, 0.1) << "a blocked Get() must not spin";
  queue.ShutDown();
  EXPECT_TRUE(returned.WaitForNotificationWithTimeout(absl::Seconds(5)));
  worker.join();
  EXPECT_FALSE(got.has_value());
  EXPECT_TRUE(queue.ShuttingDown());
  queue.Add("ignored");
  EXPECT_EQ(queue.Len(), 0u);
  EXPECT_FALSE(queue.Get().has_value());
}

TEST(WorkQueueTest, GetWakesForAKeyAddedFromAnotherThread) {
  WorkQueue queue;
  std::thread producer([&] {
    absl::SleepFor(absl::Milliseconds(50));
    queue.Add("x");
  });
  EXPECT_EQ(*queue.Get(), "x");
  producer.join();
}

}  // namespace
}  // namespace minpriv::kube
