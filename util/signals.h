// SIGINT/SIGTERM as a polite "stop" request for a session (minpriv learn, minpriv verify):
// while a ScopedStopSignals lives, either signal only records itself; the session polls
// stop_requested() and winds down (stops the workload, writes what it has). The previous
// handlers come back when the scope ends. Children should reset both signals to SIG_DFL
// before exec (util::Process does).
#ifndef MINPRIV_UTIL_SIGNALS_H_
#define MINPRIV_UTIL_SIGNALS_H_

#include <signal.h>

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace minpriv::util {

class ScopedStopSignals {
 public:
  // Installs the handlers and clears any earlier request. One scope at a time.
  ScopedStopSignals();
  ~ScopedStopSignals();
  ScopedStopSignals(const ScopedStopSignals&) = delete;
  ScopedStopSignals& operator=(const ScopedStopSignals&) = delete;

  bool stop_requested() const;
  // The signal that asked to stop (SIGINT or SIGTERM), 0 when none did.
  int signal_number() const;

  // Calls `step` until `done()` is true, a stop is requested or `until` has passed; returns
  // the first error of `step`.
  absl::Status PollUntil(absl::Time until, const std::function<bool()>& done,
                         const std::function<absl::Status()>& step) const;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

}  // namespace minpriv::util

#endif  // MINPRIV_UTIL_SIGNALS_H_
