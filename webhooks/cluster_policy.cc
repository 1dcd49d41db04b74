#include "webhooks/cluster_policy.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crd/settings.h"

namespace minpriv::webhooks {
namespace {

using nlohmann::json;

json* FindNamed(json& list, const std::string& name) {
  if (!list.is_array()) return nullptr;
  for (json& item : list) {
    if (item.is_object() && item.value("name", "") == name) return &item;
  }
  return nullptr;
}

bool Contains(const std::string& text, const char* needle) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find(needle) != std::string::npos;
}

// The proposal's evidence lines of one container, sorted into the three kinds a widening
// quotes.
std::map<std::string, ContainerEvidence> Evidence(const crd::ProposalStatus& status) {
  std::map<std::string, std::vector<std::string>> caps, writes, users;
  for (const crd::ChangeEvidence& e : status.evidence) {
    const std::string prefix = "container ";
    if (e.change.rfind(prefix, 0) != 0) continue;
    std::string name = e.change.substr(prefix.size());
    if (Contains(e.evidence, "capabilit")) caps[name].push_back(e.evidence);
    if (Contains(e.evidence, "readonlyrootfilesystem") || Contains(e.evidence, "write") ||
        Contains(e.evidence, "emptydir")) {
      writes[name].push_back(e.evidence);
    }
    if (Contains(e.evidence, "runas") || Contains(e.evidence, "uid")) {
      users[name].push_back(e.evidence);
    }
  }
  std::map<std::string, ContainerEvidence> out;
  for (const crd::ContainerChange& c : status.containers) {
    ContainerEvidence& ev = out[c.name];
    if (auto it = caps.find(c.name); it != caps.end()) {
      ev.capabilities = absl::StrCat("learned: ", absl::StrJoin(it->second, "; "));
    }
    if (auto it = writes.find(c.name); it != writes.end()) {
      ev.writes = absl::StrCat("learned: ", absl::StrJoin(it->second, "; "));
    }
    if (auto it = users.find(c.name); it != users.end()) {
      ev.users = absl::StrCat("learned: ", absl::StrJoin(it->second, "; "));
    }
  }
  return out;
}

// The workload's pod template with the proposal's content laid over it.
json ApprovedTemplate(const crd::ProposalStatus& status, const json& workload,
                      const std::string& pointer) {
  json tmpl = json::object();
  if (workload.is_object()) {
    if (const json* t = AtPointer(workload, pointer); t != nullptr && t->is_object()) tmpl = *t;
  }
  for (const char* drop : {"status"}) tmpl.erase(drop);
  if (!tmpl.contains("spec") || !tmpl["spec"].is_object()) tmpl["spec"] = json::object();
  json& spec = tmpl["spec"];
  for (const crd::ContainerChange& c : status.containers) {
    const char* list = c.init ? "initContainers" : "containers";
    if (!spec.contains(list) || !spec[list].is_array()) spec[list] = json::array();
    json* container = FindNamed(spec[list], c.name);
    if (container == nullptr) {
      spec[list].push_back({{"name", c.name}});
      container = &spec[list].back();
    }
    (*container)["securityContext"] = c.security_context;
    if (!c.volume_mounts.empty()) {
      json& mounts = (*container)["volumeMounts"];
      if (!mounts.is_array()) mounts = json::array();
      for (const json& m : c.volume_mounts) {
        std::string path = m.is_object() ? m.value("mountPath", "") : "";
        bool present = std::any_of(mounts.begin(), mounts.end(), [&](const json& e) {
          return e.is_object() && e.value("mountPath", "") == path;
        });
        if (!present) mounts.push_back(m);
      }
    }
  }
  if (!status.volumes.empty()) {
    if (!spec.contains("volumes") || !spec["volumes"].is_array()) spec["volumes"] = json::array();
    for (const json& v : status.volumes) {
      std::string name = v.is_object() ? v.value("name", "") : "";
      if (FindNamed(spec["volumes"], name) == nullptr) spec["volumes"].push_back(v);
    }
  }
  return tmpl;
}

}  // namespace

bool IsEnforced(const crd::RemediationProposal& p) {
  return p.spec.decision == crd::Decision::kApproved && p.status.phase &&
         (*p.status.phase == crd::ProposalPhase::kApproved ||
          *p.status.phase == crd::ProposalPhase::kApplied);
}

absl::StatusOr<std::shared_ptr<const ApprovedPolicy>> PolicyFromProposal(
    const crd::RemediationProposal& p, const json& workload) {
  const crd::Target& target = p.spec.target;
  std::optional<std::string> pointer = PodTemplatePointer(target.kind);
  if (!pointer) {
    return absl::InvalidArgumentError(absl::StrCat(
        "RemediationProposal ", p.metadata.namespace_, "/", p.metadata.name, ": target kind '",
        target.kind, "' has no pod template the webhook knows"));
  }
  auto policy = std::make_shared<ApprovedPolicy>();
  policy->kind = target.kind;
  policy->name = target.name;
  policy->namespace_ = p.metadata.namespace_;
  policy->key = WorkloadKey(policy->namespace_, policy->kind, policy->name);
  policy->source = absl::StrCat("RemediationProposal ", p.metadata.namespace_, "/",
                                p.metadata.name, " (", crd::PhaseName(*p.status.phase), ")");
  if (!p.status.profile.empty()) {
    policy->profile_source =
        absl::StrCat("WorkloadProfile ", p.metadata.namespace_, "/", p.status.profile);
  }
  json tmpl = ApprovedTemplate(p.status, workload, *pointer);
  if (target.kind == "Pod") {
    json t = json::object();
    for (const char* k : {"metadata", "spec"}) {
      if (const json* v = Member(tmpl, k)) t[k] = *v;
    }
    tmpl = std::move(t);
  }
  policy->pod_template = std::move(tmpl);
  policy->security = ReadPodSecurity(policy->pod_template);
  policy->evidence = Evidence(p.status);
  return std::shared_ptr<const ApprovedPolicy>(std::move(policy));
}

ModeOverrides ModeOverridesFromSettings(const std::vector<json>& cluster_settings,
                                        const std::vector<json>& namespace_settings,
                                        std::vector<std::string>* errors) {
  ModeOverrides out;
  auto mode_of = [](crd::EnforcementMode m) {
    switch (m) {
      case crd::EnforcementMode::kOff: return Mode::kOff;
      case crd::EnforcementMode::kAudit: return Mode::kAudit;
      case crd::EnforcementMode::kEnforce: return Mode::kEnforce;
    }
    return Mode::kAudit;
  };
  auto decode = [&](const json& j) -> std::optional<crd::MinprivSettings> {
    absl::StatusOr<crd::MinprivSettings> s = crd::MinprivSettingsFromJson(j);
    if (!s.ok()) {
      if (errors != nullptr) {
        const json* meta = Member(j, "metadata");
        std::string name = meta != nullptr ? meta->value("namespace", "") : "";
        if (meta != nullptr) absl::StrAppend(&name, name.empty() ? "" : "/", meta->value("name", ""));
        errors->push_back(absl::StrCat(j.value("kind", "settings"), " ", name, ": ",
                                       s.status().message()));
      }
      return std::nullopt;
    }
    if (s->metadata.name != crd::kSettingsObjectName) return std::nullopt;
    return *s;
  };
  for (const json& j : cluster_settings) {
    if (auto s = decode(j); s && s->cluster_scoped && s->spec.enforcement) {
      out.cluster = mode_of(*s->spec.enforcement);
    }
  }
  for (const json& j : namespace_settings) {
    std::optional<crd::MinprivSettings> s = decode(j);
    if (!s || s->cluster_scoped) continue;
    const std::string& ns = s->metadata.namespace_;
    if (s->spec.enforcement) out.namespaces[ns] = mode_of(*s->spec.enforcement);
    for (const crd::WorkloadSettings& w : s->workloads) {
      if (w.values.enforcement) {
        out.workloads[WorkloadKey(ns, w.kind, w.name)] = mode_of(*w.values.enforcement);
      }
    }
  }
  return out;
}

}  // namespace minpriv::webhooks
