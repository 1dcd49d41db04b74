// When a workload counts as "up" for an exercise: `minpriv learn --exercise` and
// `minpriv verify --exercise` wait the same way, so a replay exercises what learning saw.
#ifndef MINPRIV_SESSION_READINESS_H_
#define MINPRIV_SESSION_READINESS_H_

#include "absl/time/time.h"
#include "profiler/profile_builder.h"

namespace minpriv::session {

// Quiet time (no new fact) after which a workload that does not listen counts as up.
inline constexpr absl::Duration kReadySettle = absl::Seconds(2);
// Extra time given after the first listening socket, for the rest of the start-up.
inline constexpr absl::Duration kAfterListen = absl::Milliseconds(200);

// Up: listening, or observed for kReadySettle since `start` with no new fact for as long.
inline bool WorkloadLooksReady(const profiler::ProfileBuilder& builder, absl::Time start,
                               absl::Time now) {
  if (builder.listening()) return true;
  return now - start >= kReadySettle && now - builder.LastNewFact() >= kReadySettle;
}

}  // namespace minpriv::session

#endif  // MINPRIV_SESSION_READINESS_H_
