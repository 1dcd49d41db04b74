// One workload under observation, from start to stop: the session layer that `minpriv
// learn` and `minpriv verify` share.
//
// A Session owns the observer for its lifetime (created by the caller's factory, detached
// by Finish()) and SIGINT/SIGTERM as polite stop requests (util::ScopedStopSignals). It
// polls the observer in rounds until a condition, the learning window's end or a stop
// request; waits until the workload is up (readiness.h); runs the exercise unobserved, in
// its own process group; and stops the workload like the kubelet: SIGTERM, up to the grace
// period while the observer keeps polling, then SIGKILL to everything left.
//
//   Session s;  s.OpenObserver(factory);  s.observer().Watch(...);  s.Begin(duration);
//   s.AwaitReady(builder, ready_timeout);  s.RunExercise(cmd);  s.Stop(grace);  s.Finish();
#ifndef MINPRIV_SESSION_SESSION_H_
#define MINPRIV_SESSION_SESSION_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "observer/observer.h"
#include "profiler/profile_builder.h"
#include "util/signals.h"

namespace minpriv::session {

using ObserverFactory = std::function<absl::StatusOr<std::unique_ptr<observer::Observer>>()>;

// What the session runs and stops: a process tree in a cgroup (learn), a runc container
// (verify).
class Workload {
 public:
  virtual ~Workload() = default;
  // Called after every poll round (reap the main process, notice a daemon, ...).
  virtual void Update() {}
  // Nothing of the workload runs any more.
  virtual bool Gone() = 0;
  // SIGTERM, as the kubelet sends it when a pod stops.
  virtual void Terminate() = 0;
  // SIGKILL to everything left.
  virtual void Kill() = 0;
};

class Session {
 public:
  // Installs the stop-signal handlers for the session's lifetime.
  Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Creates the observer (it reports a missing environment: root, BTF, BPF).
  absl::Status OpenObserver(const ObserverFactory& make_observer);
  observer::Observer& observer() { return *observer_; }

  // The workload (may stay unset: attach mode) and what to do after every poll round.
  void SetWorkload(Workload* workload) { workload_ = workload; }
  void SetOnPoll(std::function<void()> on_poll) { on_poll_ = std::move(on_poll); }

  // Starts the clock: the window ends `duration` from now (InfiniteDuration: never).
  void Begin(absl::Duration duration);
  absl::Time start() const { return start_; }
  absl::Time deadline() const { return deadline_; }

  bool stop_requested() const { return signals_.stop_requested(); }
  int stop_signal() const { return signals_.signal_number(); }
  bool workload_gone() const { return workload_ != nullptr && workload_->Gone(); }

  // Poll rounds until `done()`, `until` or a stop request; the first observer error.
  absl::Status PollUntil(absl::Time until, const std::function<bool()>& done);
  // Until the deadline, a stop request or the workload is gone.
  absl::Status PollUntilGone();

  // Waits (up to `ready_timeout`, within the window) until the workload looks up
  // (WorkloadLooksReady) or is gone; once listening, a little longer for the rest of its
  // start-up. Whether it looked up.
  absl::StatusOr<bool> AwaitReady(const profiler::ProfileBuilder& builder,
                                  absl::Duration ready_timeout);

  // The exercise: `/bin/sh -c command`, unobserved, in its own process group, until it
  // exits, the window ends or a stop request (then it is killed with its descendants).
  struct Exercise {
    bool finished = false;
    int wait_status = 0;  // when finished
  };
  absl::StatusOr<Exercise> RunExercise(const std::string& command);

  // Stops the workload like the kubelet: Terminate(), up to `grace` for it to go (polling
  // the observer meanwhile), then Kill() and a bounded wait for it to go.
  void Stop(absl::Duration grace);
  // The last Stop() needed SIGKILL: the workload did not go within the grace period after
  // SIGTERM (a PID 1 without a handler ignores it), as the kubelet would then do.
  bool killed_after_grace() const { return killed_after_grace_; }
  // "killed after the grace period (SIGTERM ignored for 5s)".
  static std::string StopNote(absl::Duration grace);

  // Dispatches what is buffered, then detaches the observer; its statistics.
  absl::StatusOr<observer::Stats> Finish();

 private:
  util::ScopedStopSignals signals_;
  std::unique_ptr<observer::Observer> observer_;
  Workload* workload_ = nullptr;
  std::function<void()> on_poll_;
  absl::Time start_ = absl::InfinitePast();
  absl::Time deadline_ = absl::InfiniteFuture();
  bool killed_after_grace_ = false;
};

}  // namespace minpriv::session

#endif  // MINPRIV_SESSION_SESSION_H_
