#include "agent/seccomp_installer.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "agent/node_status_entry.h"
#include "crd/remediation_proposal.h"
#include "crd/remediation_proposal_json.h"
#include "kube/status.h"
#include "spdlog/spdlog.h"

namespace minpriv::agent {
namespace {

using nlohmann::json;

enum class Action { kInstall, kRemove, kKeep };

std::string PhaseOf(const json& object) {
  const json status = object.value("status", json::object());
  return status.is_object() ? status.value("phase", "") : "";
}

Action ActionOf(const std::optional<json>& object) {
  if (!object) return Action::kRemove;
  const std::string phase = PhaseOf(*object);
  if (phase == "Approved" || phase == "Applied") return Action::kInstall;
  if (phase == "Rejected" || phase == "Superseded") return Action::kRemove;
  return Action::kKeep;
}

// The profile names in the object's status (a malformed entry is skipped).
std::vector<std::string> ProfileNames(const json& object) {
  std::vector<std::string> names;
  const json status = object.value("status", json::object());
  if (!status.is_object()) return names;
  const json profiles = status.value("seccompProfiles", json::array());
  for (const json& p : profiles.is_array() ? profiles : json::array()) {
    if (p.is_object() && p.contains("name") && p["name"].is_string()) {
      names.push_back(p["name"].get<std::string>());
    }
  }
  return names;
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

}  // namespace

SeccompInstaller::SeccompInstaller(kube::RestClient client, SeccompInstallerOptions options,
                                   std::function<absl::Time()> clock)
    : client_(std::move(client)),
      options_(std::move(options)),
      clock_(std::move(clock)),
      files_(options_.seccomp_dir) {}

SeccompInstaller::~SeccompInstaller() { Stop(); }

absl::Status SeccompInstaller::Start(absl::Duration timeout) {
  kube::Reflector::Options o;
  o.resource = kRemediationProposals;
  reflector_ = std::make_unique<kube::Reflector>(client_, o, kube::EnqueueKeys(&queue_));
  reflector_->Start();
  if (!reflector_->WaitForSync(timeout)) {
    return absl::UnavailableError(absl::StrCat("remediationproposals: no list within ",
                                               absl::FormatDuration(timeout)));
  }
  {
    // Files no proposal names any more: their proposals went while the agent was down.
    absl::MutexLock l(&mu_);
    const std::set<std::string> needed = NeededByOthers("");
    for (const std::string& name : files_.Installed()) {
      if (needed.count(name)) continue;
      absl::StatusOr<bool> removed = files_.Remove(name);
      if (removed.ok() && *removed) {
        ++counters_.files_removed;
        spdlog::info("seccomp profile removed (no proposal names it) file={}", files_.PathOf(name));
      }
    }
  }
  worker_ = std::thread([this] { Work(); });
  return absl::OkStatus();
}

void SeccompInstaller::Stop() {
  if (reflector_) reflector_->Stop();
  queue_.ShutDown();
  if (worker_.joinable()) worker_.join();
}

void SeccompInstaller::Work() {
  while (std::optional<std::string> key = queue_.Get()) {
    absl::Status s = Sync(*key);
    if (s.ok()) {
      queue_.Forget(*key);
    } else {
      spdlog::warn("seccomp install failed proposal={} error=\"{}\"", *key, s.ToString());
      {
        absl::MutexLock l(&mu_);
        ++counters_.errors;
      }
      queue_.AddRateLimited(*key);
    }
    queue_.Done(*key);
  }
}

std::set<std::string> SeccompInstaller::NeededByOthers(const std::string& key) const {
  std::set<std::string> needed;
  for (const json& object : reflector_->store().List()) {
    if (kube::ObjectKey(object) == key || ActionOf(object) == Action::kRemove) continue;
    for (std::string& n : ProfileNames(object)) needed.insert(std::move(n));
  }
  return needed;
}

absl::Status SeccompInstaller::Sync(const std::string& key) {
  absl::MutexLock l(&mu_);
  const std::vector<std::string> parts = absl::StrSplit(key, absl::MaxSplits('/', 1));
  if (parts.size() != 2) return absl::InvalidArgumentError(absl::StrCat("bad key ", key));
  const std::string& ns = parts[0];
  const std::string& name = parts[1];
  const std::optional<json> object = reflector_->store().Get(key);
  const Action action = ActionOf(object);
  if (action == Action::kKeep) return absl::OkStatus();

  std::set<std::string>& mine = installed_[key];
  std::optional<crd::ProposalStatus> status;
  if (object && object->contains("status")) {
    absl::StatusOr<crd::ProposalStatus> decoded = crd::ProposalStatusFromJson((*object)["status"]);
    if (!decoded.ok()) {
      // The controller rewrites a status it cannot read; until then nothing changes here.
      spdlog::warn("proposal status unreadable proposal={} error=\"{}\"", key,
                   decoded.status().ToString());
      return absl::OkStatus();
    }
    status = *std::move(decoded);
  }
  const crd::SeccompInstall* entry = nullptr;
  if (status) {
    for (const crd::SeccompInstall& in : status->seccomp_installs) {
      if (in.node == options_.node) entry = &in;
    }
  }

  std::set<std::string> stale = mine;
  std::set<std::string> wanted;
  if (action == Action::kInstall && !status) return absl::OkStatus();
  if (action == Action::kInstall) {
    for (const crd::SeccompProfile& p : status->seccomp_profiles) {
      absl::StatusOr<bool> written = files_.Install(p.name, p.profile);
      if (!written.ok()) return written.status();
      if (*written) {
        ++counters_.files_written;
        spdlog::info("seccomp profile installed proposal={} file={}", key, files_.PathOf(p.name));
      }
      wanted.insert(p.name);
      stale.erase(p.name);
    }
  } else if (object) {
    for (std::string& n : ProfileNames(*object)) stale.insert(std::move(n));
  }
  const std::set<std::string> needed = NeededByOthers(key);
  for (const std::string& n : stale) {
    if (needed.count(n)) continue;
    absl::StatusOr<bool> removed = files_.Remove(n);
    if (!removed.ok()) return removed.status();
    if (*removed) {
      ++counters_.files_removed;
      spdlog::info("seccomp profile removed proposal={} file={}", key, files_.PathOf(n));
    }
  }
  mine = wanted;
  if (action == Action::kRemove && mine.empty()) installed_.erase(key);

  if (!object) return absl::OkStatus();  // deleted: no status to update
  if (action == Action::kRemove || wanted.empty()) {  // no profile: no entry either
    return entry == nullptr ? absl::OkStatus() : PatchEntry(ns, name, std::nullopt);
  }
  crd::SeccompInstall want{options_.node,
                           std::vector<std::string>(wanted.begin(), wanted.end()),
                           crd::SeccompProfilesDigest(status->seccomp_profiles),
                           Rfc3339(clock_())};
  if (entry != nullptr && entry->profiles == want.profiles && entry->digest == want.digest) {
    return absl::OkStatus();  // already reported
  }
  return PatchEntry(ns, name, crd::SeccompInstallToJson(want));
}

absl::Status SeccompInstaller::PatchEntry(const std::string& ns, const std::string& name,
                                          const std::optional<json>& entry) {
  absl::StatusOr<NodeEntryResult> r =
      PatchNodeEntry(client_, ns, name, "seccompInstalls", options_.node, entry);
  if (!r.ok()) return r.status();
  if (*r == NodeEntryResult::kPatched) ++counters_.status_patches;
  return absl::OkStatus();
}

std::string SeccompInstaller::Metrics() const {
  const SeccompCounters c = counters();
  std::string out;
  auto counter = [&out](const char* name, const char* help, uint64_t value) {
    absl::StrAppend(&out, "# HELP minpriv_agent_", name, " ", help, "\n# TYPE minpriv_agent_",
                    name, " counter\nminpriv_agent_", name, " ", value, "\n");
  };
  counter("seccomp_files_written_total", "seccomp profile files written", c.files_written);
  counter("seccomp_files_removed_total", "seccomp profile files removed", c.files_removed);
  counter("seccomp_status_patches_total", "status.seccompInstalls entries written",
          c.status_patches);
  counter("seccomp_errors_total", "failed proposal syncs (retried)", c.errors);
  return out;
}

SeccompCounters SeccompInstaller::counters() const {
  absl::MutexLock l(&mu_);
  return counters_;
}

}  // namespace minpriv::agent
