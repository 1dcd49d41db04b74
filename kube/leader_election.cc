#include "kube/leader_election.h"

#include <cmath>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kube/status.h"
#include "spdlog/spdlog.h"

namespace minpriv::kube {
namespace {

std::string SpecString(const nlohmann::json& spec, const char* key) {
  if (!spec.is_object()) return "";
  auto it = spec.find(key);
  return it != spec.end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t SpecInt(const nlohmann::json& spec, const char* key) {
  if (!spec.is_object()) return 0;
  auto it = spec.find(key);
  return it != spec.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

int64_t Seconds(absl::Duration d) {
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(absl::ToDoubleSeconds(d))));
}

}  // namespace

std::string FormatMicroTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone());
}

std::optional<absl::Time> ParseMicroTime(const std::string& text) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &err)) return std::nullopt;
  return t;
}

std::optional<nlohmann::json> NextLeaseSpec(const nlohmann::json& lease,
                                            const std::string& identity,
                                            absl::Duration lease_duration, absl::Time now) {
  const nlohmann::json spec =
      lease.is_object() && lease.contains("spec") ? lease["spec"] : nlohmann::json::object();
  const std::string holder = SpecString(spec, "holderIdentity");
  if (!holder.empty() && holder != identity) {
    std::optional<absl::Time> renewed = ParseMicroTime(SpecString(spec, "renewTime"));
    int64_t duration = SpecInt(spec, "leaseDurationSeconds");
    // A Lease without a readable renewTime is treated as expired: nobody can be renewing it.
    if (renewed && *renewed + absl::Seconds(duration) >= now) return std::nullopt;
  }
  nlohmann::json next = spec.is_object() ? spec : nlohmann::json::object();
  next["holderIdentity"] = identity;
  next["leaseDurationSeconds"] = Seconds(lease_duration);
  next["renewTime"] = FormatMicroTime(now);
  if (holder != identity) {
    // A takeover (from another holder or a released Lease) is a transition; creating is not.
    next["acquireTime"] = FormatMicroTime(now);
    next["leaseTransitions"] = lease.is_object() ? SpecInt(spec, "leaseTransitions") + 1 : 0;
  } else if (SpecString(spec, "acquireTime").empty()) {
    next["acquireTime"] = FormatMicroTime(now);
  }
  return next;
}

nlohmann::json ReleasedLeaseSpec(const nlohmann::json& lease, absl::Time now) {
  const nlohmann::json spec =
      lease.is_object() && lease.contains("spec") ? lease["spec"] : nlohmann::json::object();
  nlohmann::json next = spec.is_object() ? spec : nlohmann::json::object();
  next["holderIdentity"] = "";
  next["leaseDurationSeconds"] = 1;
  next["renewTime"] = FormatMicroTime(now);
  next["acquireTime"] = FormatMicroTime(now);
  next["leaseTransitions"] = SpecInt(spec, "leaseTransitions");
  return next;
}

// Each Lease request is bounded so a hung server cannot keep a leader past its renew deadline
// by more than half of it.
LeaderElector::LeaderElector(RestClient client, Options options)
    : client_(client.WithTimeout(std::max(options.renew_deadline / 2, absl::Milliseconds(200)))),
      options_(std::move(options)) {}

LeaderElector::~LeaderElector() { Stop(); }

absl::Status LeaderElector::Validate(const Options& o) {
  if (o.lease_name.empty() || o.lease_namespace.empty() || o.identity.empty()) {
    return absl::InvalidArgumentError(
        "leader election needs a lease name, a lease namespace and an identity");
  }
  if (!(o.retry_period > absl::ZeroDuration() && o.retry_period < o.renew_deadline &&
        o.renew_deadline < o.lease_duration)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "leader election needs 0 < retry period (", absl::FormatDuration(o.retry_period),
        ") < renew deadline (", absl::FormatDuration(o.renew_deadline), ") < lease duration (",
        absl::FormatDuration(o.lease_duration), ")"));
  }
  return absl::OkStatus();
}

std::string LeaderElector::Leader() const {
  absl::MutexLock lock(&mu_);
  return leader_;
}

absl::StatusOr<bool> LeaderElector::TryAcquireOrRenew() {
  const absl::Time now = options_.clock();
  absl::StatusOr<nlohmann::json> lease =
      client_.Get(kLeaseResource, options_.lease_namespace, options_.lease_name);
  if (!lease.ok() && !absl::IsNotFound(lease.status())) return lease.status();
  if (!lease.ok()) {
    nlohmann::json object = {
        {"apiVersion", "coordination.k8s.io/v1"},
        {"kind", "Lease"},
        {"metadata", {{"name", options_.lease_name}, {"namespace", options_.lease_namespace}}},
        {"spec", *NextLeaseSpec(nullptr, options_.identity, options_.lease_duration, now)}};
    absl::StatusOr<nlohmann::json> created =
        client_.Create(kLeaseResource, options_.lease_namespace, object);
    if (absl::IsAlreadyExists(created.status()) || IsConflict(created.status())) return false;
    if (!created.ok()) return created.status();
    absl::MutexLock lock(&mu_);
    leader_ = options_.identity;
    return true;
  }
  std::optional<nlohmann::json> spec =
      NextLeaseSpec(*lease, options_.identity, options_.lease_duration, now);
  if (!spec) {
    absl::MutexLock lock(&mu_);
    leader_ = SpecString((*lease)["spec"], "holderIdentity");
    return false;
  }
  nlohmann::json updated = *lease;  // keeps metadata.resourceVersion: optimistic concurrency
  updated["spec"] = *spec;
  absl::StatusOr<nlohmann::json> written =
      client_.Update(kLeaseResource, options_.lease_namespace, updated);
  if (IsConflict(written.status())) return false;  // another candidate wrote first
  if (!written.ok()) return written.status();
  absl::MutexLock lock(&mu_);
  leader_ = options_.identity;
  return true;
}

absl::Status LeaderElector::Release() {
  absl::StatusOr<nlohmann::json> lease =
      client_.Get(kLeaseResource, options_.lease_namespace, options_.lease_name);
  if (!lease.ok()) return absl::IsNotFound(lease.status()) ? absl::OkStatus() : lease.status();
  if (SpecString((*lease)["spec"], "holderIdentity") != options_.identity) {
    return absl::OkStatus();
  }
  nlohmann::json updated = *lease;
  updated["spec"] = ReleasedLeaseSpec(*lease, options_.clock());
  return client_.Update(kLeaseResource, options_.lease_namespace, updated).status();
}

void LeaderElector::Start() {
  if (thread_.joinable() || stopping_.load()) return;
  thread_ = std::thread([this] { Run(); });
}

void LeaderElector::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_.store(true);
    cv_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
}

bool LeaderElector::Sleep(absl::Duration d) {
  absl::Time deadline = absl::Now() + d;
  absl::MutexLock lock(&mu_);
  while (!stopping_.load()) {
    if (cv_.WaitWithDeadline(&mu_, deadline)) break;
  }
  return !stopping_.load();
}

void LeaderElector::Run() {
  std::mt19937_64 rng(std::random_device{}());
  const std::string what =
      absl::StrCat("lease ", options_.lease_namespace, "/", options_.lease_name);
  while (!stopping_.load()) {
    // Candidate: try every retry period (jittered up to +20%, so candidates spread out).
    absl::StatusOr<bool> acquired = TryAcquireOrRenew();
    if (!acquired.ok()) {
      spdlog::warn("kube: {}: {}", what, acquired.status().ToString());
    }
    if (!acquired.ok() || !*acquired) {
      double jitter = std::uniform_real_distribution<double>(0.0, 0.2)(rng);
      Sleep(options_.retry_period * (1.0 + jitter));
      continue;
    }
    spdlog::info("kube: {}: {} started leading", what, options_.identity);
    leading_.store(true);
    if (options_.on_started_leading) options_.on_started_leading();
    // Leader: renew every retry period; give up after the renew deadline without success,
    // or at once when the Lease shows someone else.
    absl::Time last_renew = absl::Now();
    auto until_deadline = [&] {
      return std::max(last_renew + options_.renew_deadline - absl::Now(), absl::ZeroDuration());
    };
    while (Sleep(std::min(options_.retry_period, until_deadline()))) {
      if (until_deadline() == absl::ZeroDuration()) {
        spdlog::warn("kube: {}: {} could not renew within {}", what, options_.identity,
                     absl::FormatDuration(options_.renew_deadline));
        break;
      }
      absl::StatusOr<bool> renewed = TryAcquireOrRenew();
      if (renewed.ok() && *renewed) {
        last_renew = absl::Now();
        continue;
      }
      if (renewed.ok() && Leader() != options_.identity) {
        spdlog::warn("kube: {}: {} lost it to {}", what, options_.identity, Leader());
        break;
      }
      if (!renewed.ok()) {
        spdlog::warn("kube: {}: renew failed: {}", what, renewed.status().ToString());
      }
    }
    leading_.store(false);
    if (options_.on_stopped_leading) options_.on_stopped_leading();
    spdlog::info("kube: {}: {} stopped leading", what, options_.identity);
    if (stopping_.load() && options_.release_on_stop) {
      if (absl::Status s = Release(); !s.ok()) {
        spdlog::warn("kube: {}: release failed: {}", what, s.ToString());
      }
    }
  }
}

}  // namespace minpriv::kube
