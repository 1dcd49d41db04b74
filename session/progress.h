// Progress of a learning session: one updating status line on a terminal, or a log line
// every 10 s otherwise ("00:42 elapsed, 37 behaviours, 2 new in the last 10s").
#ifndef MINPRIV_SESSION_PROGRESS_H_
#define MINPRIV_SESSION_PROGRESS_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "profiler/profile_builder.h"

namespace minpriv::session {

// "mm:ss", or "h:mm:ss" from an hour on.
std::string FormatElapsed(absl::Duration d);

class Progress {
 public:
  Progress(std::vector<const profiler::ProfileBuilder*> builders, bool terminal,
           absl::Time start)
      : builders_(std::move(builders)), terminal_(terminal), start_(start) {}

  // Reports when due (every second on a terminal, every 10 s in logs); the final line always.
  void Report(bool final_line);
  // Ends an open status line before other output.
  void BreakLine();

 private:
  std::vector<const profiler::ProfileBuilder*> builders_;
  bool terminal_;
  absl::Time start_;
  absl::Time last_ = absl::InfinitePast();
  bool line_open_ = false;
};

}  // namespace minpriv::session

#endif  // MINPRIV_SESSION_PROGRESS_H_
