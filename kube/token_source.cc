#include "kube/token_source.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "util/files.h"

namespace minpriv::kube {

TokenSource::TokenSource(std::string static_token, std::string token_file,
                         absl::Duration refresh, Clock clock)
    : static_token_(std::move(static_token)),
      file_(std::move(token_file)),
      refresh_(refresh),
      clock_(std::move(clock)) {}

absl::StatusOr<std::string> TokenSource::Token() {
  if (file_.empty()) return static_token_;
  absl::MutexLock lock(&mu_);
  absl::Time now = clock_();
  if (!stale_ && now - read_at_ < refresh_) return token_;
  absl::StatusOr<std::string> contents = util::ReadFile(file_);
  if (!contents.ok() || absl::StripAsciiWhitespace(*contents).empty()) {
    if (!token_.empty()) return token_;  // keep the last good token; retry next time
    return absl::UnauthenticatedError(absl::StrCat(
        "bearer token file ", file_, " cannot be read or is empty",
        contents.ok() ? "" : absl::StrCat(": ", contents.status().message())));
  }
  token_ = std::string(absl::StripAsciiWhitespace(*contents));
  read_at_ = now;
  stale_ = false;
  return token_;
}

void TokenSource::Invalidate() {
  absl::MutexLock lock(&mu_);
  stale_ = true;
}

}  // namespace minpriv::kube
