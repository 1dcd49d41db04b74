// The bearer token for requests: a static token, or a token file that is re-read when it may
// have rotated (a service-account token is replaced by the kubelet about hourly): at most
// once per refresh interval, and at once after the server answered 401. Thread-safe.
#ifndef MINPRIV_KUBE_TOKEN_SOURCE_H_
#define MINPRIV_KUBE_TOKEN_SOURCE_H_

#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace minpriv::kube {

class TokenSource {
 public:
  using Clock = std::function<absl::Time()>;
  // `token_file` empty: always `static_token` (which may be empty: no Authorization header).
  TokenSource(std::string static_token, std::string token_file,
              absl::Duration refresh = absl::Minutes(1), Clock clock = absl::Now);

  // The current token; re-reads the file when the last read is older than the refresh
  // interval or Invalidate() was called. A failed re-read keeps the previous token; a failed
  // first read is an error naming the file (never the token).
  absl::StatusOr<std::string> Token();
  // The server rejected the token (401): the next Token() re-reads the file.
  void Invalidate();
  bool from_file() const { return !file_.empty(); }

 private:
  const std::string static_token_;
  const std::string file_;
  const absl::Duration refresh_;
  const Clock clock_;
  absl::Mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);
  absl::Time read_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool stale_ ABSL_GUARDED_BY(mu_) = true;
};

}  // namespace minpriv::kube

#endif  // MINPRIV_KUBE_TOKEN_SOURCE_H_
