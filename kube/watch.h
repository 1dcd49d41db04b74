// A watch: the newline-delimited JSON events of a streaming response, decoded as the bytes
// arrive (never waiting for the body to end). Chunk boundaries may fall anywhere, inside an
// event or inside a multi-byte character.
#ifndef MINPRIV_KUBE_WATCH_H_
#define MINPRIV_KUBE_WATCH_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace minpriv::kube {

struct WatchEvent {
  enum class Type { kAdded, kModified, kDeleted, kBookmark, kError };
  Type type = Type::kAdded;
  nlohmann::json object;  // the object (for a bookmark: only metadata.resourceVersion)
  absl::Status error;     // for kError: the server's Status (IsGone(error): expired, relist)

  // metadata.resourceVersion of `object` ("" when absent).
  std::string ResourceVersion() const;
  bool Expired() const;  // a kError whose Status is 410 Gone / Expired
};

// Splits a byte stream into events. Feed() any chunks; complete lines come out as events.
class WatchDecoder {
 public:
  // A line longer than this is an error (bounded memory against a broken server).
  static constexpr size_t kMaxLine = 64u << 20;

  // Appends `chunk` and decodes every complete line. A malformed line gives an error entry
  // (InvalidArgument/DataLoss) in its place; decoding continues with the next line.
  std::vector<absl::StatusOr<WatchEvent>> Feed(absl::string_view chunk);
  // Bytes of an unfinished line still held.
  size_t pending() const { return buffer_.size(); }

 private:
  std::string buffer_;
};

// Decodes one line (without its newline).
absl::StatusOr<WatchEvent> DecodeWatchLine(absl::string_view line);

// Where a watch's bytes come from: the HTTP adapter, or a test's fake.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Blocks until some bytes arrive; "" at the end of the stream; an error when the connection
  // failed or was cancelled.
  virtual absl::StatusOr<std::string> Read() = 0;
  // Thread-safe: makes a blocked or later Read() return (Cancelled) promptly.
  virtual void Cancel() = 0;
};

class WatchStream {
 public:
  explicit WatchStream(std::unique_ptr<ByteSource> source) : source_(std::move(source)) {}
  // The next event; nullopt when the server ended the watch (timeoutSeconds elapsed: watch
  // again from the last resourceVersion); an error when the connection broke or a line was
  // malformed (both: watch again).
  absl::StatusOr<std::optional<WatchEvent>> Next();
  // Thread-safe: unblocks Next() (which then returns Cancelled).
  void Cancel() { source_->Cancel(); }

 private:
  std::unique_ptr<ByteSource> source_;
  WatchDecoder decoder_;
  std::vector<absl::StatusOr<WatchEvent>> ready_;
  size_t next_ = 0;
};

}  // namespace minpriv::kube

#endif  // MINPRIV_KUBE_WATCH_H_
