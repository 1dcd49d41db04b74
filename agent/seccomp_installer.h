// The agent's seccomp side: an informer on RemediationProposals (every namespace) feeding a
// work queue drained by a thread of its own (never the observer's polling thread). For a
// proposal in phase Approved or Applied it installs each of status.seccompProfiles with
// SeccompFiles and records this node in status.seccompInstalls (names, the content's digest,
// the time); when the proposal is deleted, Rejected or Superseded it removes the files (unless
// another installed proposal still names them) and this node's entry. Other phases leave what
// is installed alone (a re-proposed or failed proposal may still be applied).
//
// Which nodes install: every agent installs every approved profile (they are small), so a pod
// rescheduled to any node finds its profile; the controller waits for the nodes that run or
// ran the workload (controller/seccomp_gate.h).
#ifndef MINPRIV_AGENT_SECCOMP_INSTALLER_H_
#define MINPRIV_AGENT_SECCOMP_INSTALLER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/seccomp_files.h"
#include "kube/reflector.h"
#include "kube/rest_client.h"
#include "kube/work_queue.h"

namespace minpriv::agent {

inline const kube::ResourceRef kRemediationProposals{"minpriv.dev", "v1alpha1",
                                                     "remediationproposals", true};

struct SeccompInstallerOptions {
  std::string node;
  std::string seccomp_dir;  // the kubelet's, e.g. /var/lib/kubelet/seccomp
};

struct SeccompCounters {
  uint64_t files_written = 0;
  uint64_t files_removed = 0;
  uint64_t status_patches = 0;
  uint64_t errors = 0;
};

class SeccompInstaller {
 public:
  SeccompInstaller(kube::RestClient client, SeccompInstallerOptions options,
                   std::function<absl::Time()> clock = absl::Now);
  ~SeccompInstaller();  // Stop()

  // Starts the informer and the worker, waits up to `timeout` for the first list, then removes
  // the files no proposal names any more (left by proposals deleted while it was down).
  absl::Status Start(absl::Duration timeout = absl::Seconds(30));
  void Stop();

  // Brings the proposal `key` ("namespace/name") up to date from the informer's cache: files
  // and this node's status entry. Worker thread; tests may call it once Start() returned.
  absl::Status Sync(const std::string& key);

  SeccompCounters counters() const;
  // Prometheus text of the counters (thread-safe).
  std::string Metrics() const;

 private:
  void Work();
  // The names of the profiles installed proposals other than `key` need.
  std::set<std::string> NeededByOthers(const std::string& key) const;
  // Sets (`entry`) or removes (nullopt) this node's entry, retrying on conflicts.
  absl::Status PatchEntry(const std::string& ns, const std::string& name,
                          const std::optional<nlohmann::json>& entry);

  kube::RestClient client_;
  const SeccompInstallerOptions options_;
  std::function<absl::Time()> clock_;
  SeccompFiles files_;
  kube::WorkQueue queue_;
  std::unique_ptr<kube::Reflector> reflector_;
  std::thread worker_;

  mutable absl::Mutex mu_;  // Sync runs on the worker, or on a test's thread
  std::map<std::string, std::set<std::string>> installed_ ABSL_GUARDED_BY(mu_);  // key → names
  SeccompCounters counters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace minpriv::agent

#endif  // MINPRIV_AGENT_SECCOMP_INSTALLER_H_
