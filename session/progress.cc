#include "session/progress.h"

#include <cstdio>

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace minpriv::session {

namespace {
constexpr absl::Duration kRecentWindow = absl::Seconds(10);
}  // namespace

std::string FormatElapsed(absl::Duration d) {
  int64_t s = absl::ToInt64Seconds(d);
  if (s >= 3600) return absl::StrFormat("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  return absl::StrFormat("%02d:%02d", s / 60, s % 60);
}

void Progress::Report(bool final_line) {
  absl::Time now = absl::Now();
  absl::Duration every = terminal_ ? absl::Seconds(1) : absl::Seconds(10);
  if (!final_line && now - last_ < every) return;
  last_ = now;
  size_t behaviours = 0, recent = 0;
  for (const profiler::ProfileBuilder* b : builders_) {
    behaviours += b->behaviours();
    recent += b->NewFactsSince(now - kRecentWindow);
  }
  std::string line = absl::StrCat(FormatElapsed(now - start_), " elapsed, ", behaviours,
                                   " behaviours, ", recent, " new in the last 10s");
  if (terminal_) {
    std::fprintf(stderr, "\r\033[Kminpriv learn: %s%s", line.c_str(), final_line ? "\n" : "");
    std::fflush(stderr);
    line_open_ = !final_line;
  } else {
    spdlog::info("{}: {}", final_line ? "learned" : "learning", line);
  }
}

void Progress::BreakLine() {
  if (terminal_ && line_open_) {
    std::fputs("\n", stderr);
    line_open_ = false;
  }
}

}  // namespace minpriv::session
