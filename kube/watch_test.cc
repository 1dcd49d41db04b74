#include "kube/watch.h"

#include <deque>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "kube/status.h"

namespace minpriv::kube {
namespace {

std::string Event(const std::string& type, const std::string& name, const std::string& rv) {
  return nlohmann::json{{"type", type},
                        {"object",
                         {{"kind", "ConfigMap"},
                          {"metadata", {{"name", name}, {"resourceVersion", rv}}},
                          {"data", {{"k", "välue"}}}}}}
             .dump() +
         "\n";
}

std::string Stream() {
  return Event("ADDED", "a", "1") + Event("MODIFIED", "a", "2") + Event("DELETED", "a", "3") +
         R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","metadata":{"resourceVersion":"9"}}})"
         "\n" +
         R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old resource version"}})"
         "\n";
}

void ExpectWholeStream(const std::vector<WatchEvent>& events) {
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].type, WatchEvent::Type::kAdded);
  EXPECT_EQ(events[0].object["metadata"]["name"], "a");
  EXPECT_EQ(events[0].object["data"]["k"], "välue");
  EXPECT_EQ(events[1].type, WatchEvent::Type::kModified);
  EXPECT_EQ(events[1].ResourceVersion(), "2");
  EXPECT_EQ(events[2].type, WatchEvent::Type::kDeleted);
  EXPECT_EQ(events[3].type, WatchEvent::Type::kBookmark);
  EXPECT_EQ(events[3].ResourceVersion(), "9");
  EXPECT_EQ(events[4].type, WatchEvent::Type::kError);
  EXPECT_TRUE(events[4].Expired());
  EXPECT_NE(events[4].error.message().find("too old resource version"), std::string::npos);
  EXPECT_FALSE(events[0].Expired());
}

TEST(WatchDecoderTest, EveryChunkSplitGivesTheSameEvents) {
  const std::string stream = Stream();
  // Two cuts at every pair of positions (including inside the UTF-8 "ä").
  for (size_t i = 0; i <= stream.size(); i += 3) {
    for (size_t j = i; j <= stream.size(); j += 7) {
      WatchDecoder decoder;
      std::vector<WatchEvent> events;
      for (absl::string_view chunk : {absl::string_view(stream).substr(0, i),
                                     absl::string_view(stream).substr(i, j - i),
                                     absl::string_view(stream).substr(j)}) {
        for (auto& e : decoder.Feed(chunk)) {
          ASSERT_TRUE(e.ok()) << e.status();
          events.push_back(std::move(*e));
        }
      }
      ExpectWholeStream(events);
      EXPECT_EQ(decoder.pending(), 0u);
    }
  }
}

TEST(WatchDecoderTest, ByteAtATime) {
  const std::string stream = Stream();
  WatchDecoder decoder;
  std::vector<WatchEvent> events;
  for (char c : stream) {
    for (auto& e : decoder.Feed(absl::string_view(&c, 1))) {
      ASSERT_TRUE(e.ok()) << e.status();
      events.push_back(std::move(*e));
    }
  }
  ExpectWholeStream(events);
}

TEST(WatchDecoderTest, MalformedLinesAreErrorsNotCrashes) {
  WatchDecoder decoder;
  auto events = decoder.Feed(
      "not json\n{\"type\":\"ADDED\"}\n{\"type\":\"WHAT\",\"object\":{}}\n[1]\n\r\n" +
      Event("ADDED", "b", "5"));
  ASSERT_EQ(events.size(), 5u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(events[i].status().code(), absl::StatusCode::kDataLoss) << i;
  }
  ASSERT_TRUE(events[4].ok());
  EXPECT_EQ(events[4]->object["metadata"]["name"], "b");
}

class FakeSource : public ByteSource {
 public:
  explicit FakeSource(std::deque<absl::StatusOr<std::string>> chunks)
      : chunks_(std::move(chunks)) {}
  absl::StatusOr<std::string> Read() override {
    if (chunks_.empty()) return std::string();
    auto next = std::move(chunks_.front());
    chunks_.pop_front();
    return next;
  }
  void Cancel() override {}

 private:
  std::deque<absl::StatusOr<std::string>> chunks_;
};

TEST(WatchStreamTest, EventsThenEndOfStream) {
  std::string all = Event("ADDED", "a", "1") + Event("MODIFIED", "a", "2");
  // The last line has no newline: it is still decoded at the end of the stream.
  all.pop_back();
  WatchStream stream(std::make_unique<FakeSource>(
      std::deque<absl::StatusOr<std::string>>{all.substr(0, 10), all.substr(10)}));
  auto first = stream.Next();
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->ResourceVersion(), "1");
  auto second = stream.Next();
  ASSERT_TRUE(second.ok() && second->has_value()) << second.status();
  EXPECT_EQ((*second)->ResourceVersion(), "2");
  auto end = stream.Next();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
}

TEST(WatchStreamTest, BrokenConnectionIsAnError) {
  WatchStream stream(std::make_unique<FakeSource>(std::deque<absl::StatusOr<std::string>>{
      Event("ADDED", "a", "1"), absl::UnavailableError("reset")}));
  ASSERT_TRUE(stream.Next().ok());
  EXPECT_EQ(stream.Next().status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace minpriv::kube
