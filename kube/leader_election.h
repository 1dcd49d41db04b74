// Leader election on a coordination.k8s.io/v1 Lease (after client-go's leaderelection): a
// candidate takes the Lease when it is absent, released (holderIdentity empty) or expired
// (renewTime + leaseDurationSeconds < now); the leader renews it every retry period and
// stops leading when it could not renew for the renew deadline or sees another holder. All
// writes carry the Lease's resourceVersion: a 409 means another candidate won. A takeover
// increments leaseTransitions. On Stop() a leader releases the Lease (holderIdentity "",
// leaseDurationSeconds 1) so a standby takes over at once, as client-go's ReleaseOnCancel.
#ifndef MINPRIV_KUBE_LEADER_ELECTION_H_
#define MINPRIV_KUBE_LEADER_ELECTION_H_

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kube/rest_client.h"
#include "nlohmann/json.hpp"

namespace minpriv::kube {

inline const ResourceRef kLeaseResource{"coordination.k8s.io", "v1", "leases", true};

// Lease timestamps are MicroTime: RFC 3339 in UTC with microseconds.
std::string FormatMicroTime(absl::Time t);
std::optional<absl::Time> ParseMicroTime(const std::string& text);

// The decision of one acquire-or-renew attempt, as a pure function of the Lease read (null
// when absent), who we are and the time: the spec to write, or nullopt when another holder's
// Lease is still valid.
std::optional<nlohmann::json> NextLeaseSpec(const nlohmann::json& lease,
                                            const std::string& identity,
                                            absl::Duration lease_duration, absl::Time now);
// The spec a leader writes when it lets go (client-go's release).
nlohmann::json ReleasedLeaseSpec(const nlohmann::json& lease, absl::Time now);

class LeaderElector {
 public:
  struct Options {
    std::string lease_namespace;
    std::string lease_name;
    std::string identity;  // unique per replica, e.g. the pod name
    absl::Duration lease_duration = absl::Seconds(15);
    absl::Duration renew_deadline = absl::Seconds(10);  // < lease_duration
    absl::Duration retry_period = absl::Seconds(2);     // < renew_deadline
    bool release_on_stop = true;
    // Called on the elector's thread. After on_stopped_leading the elector competes again.
    std::function<void()> on_started_leading;
    std::function<void()> on_stopped_leading;
    std::function<absl::Time()> clock = absl::Now;  // the times written into the Lease
  };

  LeaderElector(RestClient client, Options options);
  ~LeaderElector();  // Stop()
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // InvalidArgument for inconsistent durations or a missing name/identity.
  static absl::Status Validate(const Options& options);

  void Start();
  // Stops competing; a leader calls on_stopped_leading, then releases the Lease (when
  // release_on_stop). Returns when the elector's thread ended.
  void Stop();

  bool IsLeader() const { return leading_.load(); }
  // The holder last seen in the Lease ("" when none).
  std::string Leader() const;

  // One acquire-or-renew attempt: true when we hold the Lease afterwards.
  absl::StatusOr<bool> TryAcquireOrRenew();
  // Writes the released spec if we hold the Lease.
  absl::Status Release();

 private:
  void Run();
  // Waits `d` unless stopped first; false when stopping.
  bool Sleep(absl::Duration d);

  RestClient client_;
  const Options options_;
  std::atomic<bool> leading_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable absl::Mutex mu_;
  absl::CondVar cv_;
  std::string leader_ ABSL_GUARDED_BY(mu_);
};

}  // namespace minpriv::kube

#endif  // MINPRIV_KUBE_LEADER_ELECTION_H_
