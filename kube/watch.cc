#include "kube/watch.h"

#include "absl/strings/str_cat.h"
#include "kube/status.h"

namespace minpriv::kube {

std::string WatchEvent::ResourceVersion() const {
  if (!object.is_object()) return "";
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  auto rv = meta->find("resourceVersion");
  if (rv == meta->end() || !rv->is_string()) return "";
  return rv->get<std::string>();
}

bool WatchEvent::Expired() const { return type == Type::kError && IsGone(error); }

absl::StatusOr<WatchEvent> DecodeWatchLine(absl::string_view line) {
  nlohmann::json parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return absl::DataLossError(absl::StrCat("watch: an event is not a JSON object: ",
                                            line.substr(0, 120)));
  }
  auto type = parsed.find("type");
  auto object = parsed.find("object");
  if (type == parsed.end() || !type->is_string() || object == parsed.end() ||
      !object->is_object()) {
    return absl::DataLossError(absl::StrCat(
        "watch: an event needs a string \"type\" and an object \"object\": ", line.substr(0, 120)));
  }
  WatchEvent event;
  const std::string& t = type->get_ref<const std::string&>();
  if (t == "ADDED") {
    event.type = WatchEvent::Type::kAdded;
  } else if (t == "MODIFIED") {
    event.type = WatchEvent::Type::kModified;
  } else if (t == "DELETED") {
    event.type = WatchEvent::Type::kDeleted;
  } else if (t == "BOOKMARK") {
    event.type = WatchEvent::Type::kBookmark;
  } else if (t == "ERROR") {
    event.type = WatchEvent::Type::kError;
    event.error = StatusFromApiStatus(*object, "watch");
  } else {
    return absl::DataLossError(absl::StrCat("watch: unknown event type \"", t, "\""));
  }
  event.object = std::move(*object);
  return event;
}

std::vector<absl::StatusOr<WatchEvent>> WatchDecoder::Feed(absl::string_view chunk) {
  std::vector<absl::StatusOr<WatchEvent>> events;
  size_t scan_from = buffer_.size();
  buffer_.append(chunk.data(), chunk.size());
  size_t start = 0;
  for (size_t nl = buffer_.find('\n', scan_from); nl != std::string::npos;
       nl = buffer_.find('\n', start)) {
    absl::string_view line(buffer_.data() + start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) events.push_back(DecodeWatchLine(line));
    start = nl + 1;
  }
  buffer_.erase(0, start);
  if (buffer_.size() > kMaxLine) {
    buffer_.clear();
    events.push_back(absl::ResourceExhaustedError(
        absl::StrCat("watch: an event is longer than ", kMaxLine, " bytes")));
  }
  return events;
}

absl::StatusOr<std::optional<WatchEvent>> WatchStream::Next() {
  while (next_ >= ready_.size()) {
    ready_.clear();
    next_ = 0;
    absl::StatusOr<std::string> bytes = source_->Read();
    if (!bytes.ok()) return bytes.status();
    if (bytes->empty()) {
      if (decoder_.pending() > 0) {
        // A last line without its newline: decode it rather than drop it.
        ready_ = decoder_.Feed("\n");
        if (!ready_.empty()) continue;
      }
      return std::nullopt;
    }
    ready_ = decoder_.Feed(*bytes);
  }
  absl::StatusOr<WatchEvent>& event = ready_[next_++];
  if (!event.ok()) return event.status();
  return std::optional<WatchEvent>(std::move(*event));
}

}  // namespace minpriv::kube
