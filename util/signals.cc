#include "util/signals.h"

namespace minpriv::util {
namespace {

volatile sig_atomic_t g_stop_signal = 0;
extern "C" void OnStopSignal(int sig) { g_stop_signal = sig; }

}  // namespace

ScopedStopSignals::ScopedStopSignals() {
  g_stop_signal = 0;
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int_);
  sigaction(SIGTERM, &sa, &old_term_);
}

ScopedStopSignals::~ScopedStopSignals() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

bool ScopedStopSignals::stop_requested() const { return g_stop_signal != 0; }

int ScopedStopSignals::signal_number() const { return g_stop_signal; }

absl::Status ScopedStopSignals::PollUntil(absl::Time until, const std::function<bool()>& done,
                                          const std::function<absl::Status()>& step) const {
  while (!done() && !stop_requested() && absl::Now() < until) {
    if (absl::Status s = step(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace minpriv::util
