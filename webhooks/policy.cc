#include "webhooks/policy.h"

#include "absl/strings/str_cat.h"

namespace minpriv::webhooks {

absl::StatusOr<Mode> ParseMode(std::string_view text) {
  if (text == "off") return Mode::kOff;
  if (text == "audit") return Mode::kAudit;
  if (text == "enforce") return Mode::kEnforce;
  return absl::InvalidArgumentError(
      absl::StrCat("mode '", std::string(text), "' is not one of off, audit, enforce"));
}

const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kOff: return "off";
    case Mode::kAudit: return "audit";
    case Mode::kEnforce: return "enforce";
  }
  return "audit";
}

std::string WorkloadKey(std::string_view namespace_, std::string_view kind,
                        std::string_view name) {
  std::string key(namespace_.empty() ? std::string_view("*") : namespace_);
  key.append("/").append(kind).append("/").append(name);
  return key;
}

const ApprovedPolicy* PolicySnapshot::Find(std::string_view namespace_, std::string_view kind,
                                           std::string_view name) const {
  if (name.empty()) return nullptr;
  auto it = policies_.find(WorkloadKey(namespace_, kind, name));
  if (it == policies_.end()) it = policies_.find(WorkloadKey("", kind, name));
  return it == policies_.end() ? nullptr : it->second.get();
}

Mode PolicySnapshot::ModeFor(const ApprovedPolicy& policy, std::string_view request_namespace,
                             Mode fallback) const {
  for (const std::string& key :
       {WorkloadKey(request_namespace, policy.kind, policy.name), policy.key}) {
    if (auto it = overrides_.workloads.find(key); it != overrides_.workloads.end()) {
      return it->second;
    }
  }
  if (auto it = overrides_.namespaces.find(std::string(request_namespace));
      it != overrides_.namespaces.end()) {
    return it->second;
  }
  return overrides_.cluster.value_or(fallback);
}

std::shared_ptr<const PolicySnapshot> SnapshotHolder::Snapshot() const { return current_.load(); }

void SnapshotHolder::Publish(std::shared_ptr<const PolicySnapshot> snapshot) {
  current_.store(std::move(snapshot));
  ready_.store(true);
}

}  // namespace minpriv::webhooks
