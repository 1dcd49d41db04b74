#include "session/session.h"

#include <algorithm>
#include <cstdio>

#include "absl/time/clock.h"
#include "session/readiness.h"
#include "util/process.h"

namespace minpriv::session {

namespace {
constexpr absl::Duration kPollInterval = absl::Milliseconds(100);
constexpr absl::Duration kStopPollInterval = absl::Milliseconds(20);
constexpr absl::Duration kAfterKill = absl::Seconds(10);
}  // namespace

absl::Status Session::OpenObserver(const ObserverFactory& make_observer) {
  if (!make_observer) return absl::InternalError("session: no observer factory");
  auto obs = make_observer();
  if (!obs.ok()) return obs.status();
  observer_ = std::move(*obs);
  return absl::OkStatus();
}

void Session::Begin(absl::Duration duration) {
  start_ = absl::Now();
  deadline_ = duration == absl::InfiniteDuration() ? absl::InfiniteFuture() : start_ + duration;
}

absl::Status Session::PollUntil(absl::Time until, const std::function<bool()>& done) {
  return signals_.PollUntil(until, done, [&] {
    absl::Status s = observer_->Poll(kPollInterval);
    if (!s.ok()) return s;
    if (on_poll_) on_poll_();
    if (workload_ != nullptr) workload_->Update();
    return absl::OkStatus();
  });
}

absl::Status Session::PollUntilGone() {
  return PollUntil(deadline_, [&] { return workload_gone(); });
}

absl::StatusOr<bool> Session::AwaitReady(const profiler::ProfileBuilder& builder,
                                         absl::Duration ready_timeout) {
  auto ready = [&] { return WorkloadLooksReady(builder, start_, absl::Now()); };
  absl::Time ready_by = std::min(deadline_, start_ + ready_timeout);
  if (absl::Status s = PollUntil(ready_by, [&] { return ready() || workload_gone(); }); !s.ok()) {
    return s;
  }
  bool up = ready();
  if (builder.listening()) {
    if (absl::Status s = PollUntil(absl::Now() + kAfterListen, [] { return false; }); !s.ok()) {
      return s;
    }
  }
  return up;
}

absl::StatusOr<Session::Exercise> Session::RunExercise(const std::string& command) {
  std::fflush(stdout);
  auto started = util::Process::Shell(command);
  if (!started.ok()) return started.status();
  util::Process exercise = std::move(*started);
  if (absl::Status s = PollUntil(deadline_, [&] { return exercise.Poll(); }); !s.ok()) return s;
  Exercise result;
  if (exercise.Poll()) {
    result.finished = true;
    result.wait_status = exercise.wait_status();
  }
  exercise.Kill();  // what is left of it, background jobs included
  return result;
}

void Session::Stop(absl::Duration grace) {
  if (workload_ == nullptr) return;
  auto poll_until = [&](absl::Time until) {
    while (!workload_->Gone() && absl::Now() < until) {
      if (!observer_->Poll(kStopPollInterval).ok()) break;
      workload_->Update();
    }
  };
  workload_->Update();
  if (workload_->Gone()) return;
  workload_->Terminate();
  poll_until(absl::Now() + grace);
  if (workload_->Gone()) return;
  killed_after_grace_ = true;
  workload_->Kill();
  poll_until(absl::Now() + kAfterKill);
}

std::string Session::StopNote(absl::Duration grace) {
  return "killed after the grace period (SIGTERM ignored for " + absl::FormatDuration(grace) +
         ")";
}

absl::StatusOr<observer::Stats> Session::Finish() {
  if (absl::Status s = observer_->Drain(); !s.ok()) return s;
  observer::Stats stats = observer_->GetStats();
  observer_->Detach();
  return stats;
}

}  // namespace minpriv::session
