#include "crd/remediation_proposal_json.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "crd/json_decode.h"
#include "crd/names.h"

namespace minpriv::crd {
namespace {

namespace jd = json_decode;
using Json = nlohmann::json;

// ---- encoding ----

Json ConditionToJson(const Condition& c) {
  Json j = {{"type", c.type},
            {"status", ConditionStatusName(c.status)},
            {"reason", c.reason},
            {"message", c.message},
            {"lastTransitionTime", c.last_transition_time}};
  if (c.observed_generation != 0) j["observedGeneration"] = c.observed_generation;
  return j;
}

Json ContainerToJson(const ContainerChange& c) {
  Json j = {{"name", c.name}, {"securityContext", c.security_context}};
  if (c.init) j["init"] = true;
  if (!c.volume_mounts.empty()) j["volumeMounts"] = c.volume_mounts;
  if (!c.seccomp_profile.empty()) j["seccompProfile"] = c.seccomp_profile;
  return j;
}

Json NumbersToJson(const ProposalNumbers& n) {
  return {{"syscallsAllowed", n.syscalls_allowed},
          {"runtimeDefaultSyscalls", n.runtime_default_syscalls},
          {"capabilitiesAdded", n.capabilities_added},
          {"capabilitiesDropped", n.capabilities_dropped},
          {"writablePaths", n.writable_paths}};
}

Json AppliedToJson(const AppliedRecord& a) {
  Json j = {{"time", a.time}, {"patch", a.patch}, {"revertPatch", a.revert_patch}};
  if (!a.target_resource_version.empty()) j["targetResourceVersion"] = a.target_resource_version;
  if (!a.network_policy.empty()) j["networkPolicy"] = a.network_policy;
  return j;
}

// ---- decoding (throws jd::DecodeError) ----

// One RFC 6902 operation.
void CheckPatchOp(const Json& j, const std::string& path) {
  jd::Object o(j, path, {"op", "path", "from", "value"});
  size_t op = jd::Enum(o.Required("op"), o.Path("op"),
                       {"add", "remove", "replace", "move", "copy", "test"});
  std::string p = jd::String(o.Required("path"), o.Path("path"));
  if (!p.empty() && p[0] != '/') {
    jd::Fail(o.Path("path"), absl::StrCat("'", p, "' is not a JSON pointer (starts with '/')"));
  }
  bool needs_value = op == 0 || op == 2 || op == 5;
  bool needs_from = op == 3 || op == 4;
  // "value": null is a legal JSON patch value, so look at the raw key.
  if (needs_value && !j.contains("value")) jd::Fail(o.Path("value"), "is required for this op");
  if (!needs_value && j.contains("value")) jd::Fail(o.Path("value"), "is not allowed for this op");
  if (needs_from) jd::String(o.Required("from"), o.Path("from"));
  if (!needs_from && o.Get("from")) jd::Fail(o.Path("from"), "is not allowed for this op");
}

Json Patch(const Json& j, const std::string& path) {
  if (!j.is_array()) jd::Fail(path, absl::StrCat("must be an array, found ", jd::TypeName(j)));
  jd::Array(j, path, CheckPatchOp);
  return j;
}

// An object with a non-empty string "name" (a Volume, a VolumeMount).
Json NamedObject(const Json& j, const std::string& path) {
  jd::AnyObject(j, path);
  jd::Object o(j, path);
  jd::NonEmptyString(o.Required("name"), o.Path("name"));
  return j;
}

Condition DecodeCondition(const Json& j, const std::string& path) {
  jd::Object o(j, path, {"type", "status", "reason", "message", "lastTransitionTime",
                         "observedGeneration"});
  Condition c;
  c.type = jd::NonEmptyString(o.Required("type"), o.Path("type"));
  c.status = static_cast<ConditionStatus>(
      jd::Enum(o.Required("status"), o.Path("status"), ConditionStatusNames()));
  c.reason = jd::NonEmptyString(o.Required("reason"), o.Path("reason"));
  if (auto* v = o.Get("message")) c.message = jd::String(*v, o.Path("message"));
  c.last_transition_time = jd::Time(o.Required("lastTransitionTime"), o.Path("lastTransitionTime"));
  if (auto* v = o.Get("observedGeneration")) {
    c.observed_generation = jd::Int(*v, o.Path("observedGeneration"), 0, INT64_MAX);
  }
  return c;
}

ContainerChange DecodeContainer(const Json& j, const std::string& path) {
  jd::Object o(j, path, {"name", "init", "securityContext", "volumeMounts", "seccompProfile"});
  ContainerChange c;
  c.name = jd::NonEmptyString(o.Required("name"), o.Path("name"));
  if (auto* v = o.Get("init")) c.init = jd::Bool(*v, o.Path("init"));
  if (auto* v = o.Get("securityContext")) {
    c.security_context = jd::AnyObject(*v, o.Path("securityContext"));
  }
  if (auto* v = o.Get("volumeMounts")) {
    jd::Array(*v, o.Path("volumeMounts"), [&](const Json& e, const std::string& p) {
      NamedObject(e, p);
      jd::Object m(e, p);
      jd::NonEmptyString(m.Required("mountPath"), m.Path("mountPath"));
      c.volume_mounts.push_back(e);
    });
  }
  if (auto* v = o.Get("seccompProfile")) {
    c.seccomp_profile = jd::String(*v, o.Path("seccompProfile"));
  }
  return c;
}

ProposalNumbers DecodeNumbers(const Json& j, const std::string& path) {
  jd::Object o(j, path, {"syscallsAllowed", "runtimeDefaultSyscalls", "capabilitiesAdded",
                         "capabilitiesDropped", "writablePaths"});
  ProposalNumbers n;
  auto num = [&](const char* key, int64_t& out) {
    if (auto* v = o.Get(key)) out = jd::Int(*v, o.Path(key), 0, INT64_MAX);
  };
  num("syscallsAllowed", n.syscalls_allowed);
  num("runtimeDefaultSyscalls", n.runtime_default_syscalls);
  num("capabilitiesAdded", n.capabilities_added);
  num("capabilitiesDropped", n.capabilities_dropped);
  num("writablePaths", n.writable_paths);
  return n;
}

AppliedRecord DecodeApplied(const Json& j, const std::string& path) {
  jd::Object o(j, path, {"time", "targetResourceVersion", "patch", "revertPatch", "networkPolicy"});
  AppliedRecord a;
  a.time = jd::Time(o.Required("time"), o.Path("time"));
  if (auto* v = o.Get("targetResourceVersion")) {
    a.target_resource_version = jd::String(*v, o.Path("targetResourceVersion"));
  }
  if (auto* v = o.Get("patch")) a.patch = Patch(*v, o.Path("patch"));
  if (auto* v = o.Get("revertPatch")) a.revert_patch = Patch(*v, o.Path("revertPatch"));
  if (auto* v = o.Get("networkPolicy")) a.network_policy = jd::String(*v, o.Path("networkPolicy"));
  return a;
}

// A would-be break (`shadow`: kind one of ShadowBreakKinds, firstSeen required) or a break
// after apply (kind free, container and firstSeen optional).
BreakItem DecodeBreakItem(const Json& e, const std::string& p, bool shadow) {
  jd::Object bo(e, p, {"container", "kind", "what", "process", "evidence", "firstSeen", "count"});
  BreakItem b;
  b.container = shadow ? jd::NonEmptyString(bo.Required("container"), bo.Path("container"))
                       : jd::String(bo.Required("container"), bo.Path("container"));
  b.kind = shadow ? ShadowBreakKinds()[jd::Enum(bo.Required("kind"), bo.Path("kind"),
                                                ShadowBreakKinds())]
                  : jd::NonEmptyString(bo.Required("kind"), bo.Path("kind"));
  b.what = jd::NonEmptyString(bo.Required("what"), bo.Path("what"));
  if (auto* x = bo.Get("process")) b.process = jd::String(*x, bo.Path("process"));
  if (auto* x = bo.Get("evidence")) b.evidence = jd::String(*x, bo.Path("evidence"));
  if (shadow) {
    b.first_seen = jd::Time(bo.Required("firstSeen"), bo.Path("firstSeen"));
  } else if (auto* x = bo.Get("firstSeen")) {
    b.first_seen = jd::Time(*x, bo.Path("firstSeen"));
  }
  if (auto* x = bo.Get("count")) b.count = jd::Int(*x, bo.Path("count"), 0, INT64_MAX);
  return b;
}

ShadowReport DecodeShadowReport(const Json& j, const std::string& path) {
  jd::Object o(j, path, {"node", "proposalDigest", "since", "checkedAt", "wouldBeBreaks",
                         "truncated"});
  ShadowReport r;
  r.node = jd::NonEmptyString(o.Required("node"), o.Path("node"));
  r.proposal_digest = jd::NonEmptyString(o.Required("proposalDigest"), o.Path("proposalDigest"));
  r.since = jd::Time(o.Required("since"), o.Path("since"));
  r.checked_at = jd::Time(o.Required("checkedAt"), o.Path("checkedAt"));
  if (auto* v = o.Get("wouldBeBreaks")) {
    jd::Array(*v, o.Path("wouldBeBreaks"), [&](const Json& e, const std::string& p) {
      r.would_be_breaks.push_back(DecodeBreakItem(e, p, /*shadow=*/true));
    });
  }
  if (auto* v = o.Get("truncated")) r.truncated = jd::Int(*v, o.Path("truncated"), 0, INT64_MAX);
  return r;
}

NodeBreaks DecodeNodeBreaks(const Json& j, const std::string& path) {
  jd::Object o(j, path, {"node", "appliedTime", "breaks", "truncated"});
  NodeBreaks nb;
  nb.node = jd::NonEmptyString(o.Required("node"), o.Path("node"));
  if (auto* v = o.Get("appliedTime")) nb.applied_time = jd::Time(*v, o.Path("appliedTime"));
  if (auto* v = o.Get("breaks")) {
    jd::Array(*v, o.Path("breaks"), [&](const Json& e, const std::string& p) {
      nb.breaks.push_back(DecodeBreakItem(e, p, /*shadow=*/false));
    });
  }
  if (auto* v = o.Get("truncated")) nb.truncated = jd::Int(*v, o.Path("truncated"), 0, INT64_MAX);
  return nb;
}

ProposalStatus DecodeStatus(const Json& j, const std::string& path) {
  jd::Object o(j, path, {"phase", "observedGeneration", "conditions", "profile", "containers",
                         "volumes", "seccompProfiles", "seccompInstalls", "shadow", "breaks", "patch", "networkPolicy", "evidence",
                         "risks", "numbers", "applied", "pullRequest"});
  ProposalStatus s;
  if (auto* v = o.Get("phase")) {
    s.phase = static_cast<ProposalPhase>(jd::Enum(*v, o.Path("phase"), PhaseNames()));
  }
  if (auto* v = o.Get("observedGeneration")) {
    s.observed_generation = jd::Int(*v, o.Path("observedGeneration"), 0, INT64_MAX);
  }
  if (auto* v = o.Get("conditions")) {
    jd::Array(*v, o.Path("conditions"), [&](const Json& e, const std::string& p) {
      Condition c = DecodeCondition(e, p);
      for (const Condition& other : s.conditions) {
        if (other.type == c.type) jd::Fail(p, absl::StrCat("duplicate condition type '", c.type, "'"));
      }
      s.conditions.push_back(std::move(c));
    });
  }
  if (auto* v = o.Get("profile")) s.profile = jd::String(*v, o.Path("profile"));
  if (auto* v = o.Get("containers")) {
    jd::Array(*v, o.Path("containers"), [&](const Json& e, const std::string& p) {
      s.containers.push_back(DecodeContainer(e, p));
    });
  }
  if (auto* v = o.Get("volumes")) {
    jd::Array(*v, o.Path("volumes"), [&](const Json& e, const std::string& p) {
      s.volumes.push_back(NamedObject(e, p));
    });
  }
  if (auto* v = o.Get("seccompProfiles")) {
    jd::Array(*v, o.Path("seccompProfiles"), [&](const Json& e, const std::string& p) {
      jd::Object sp(e, p, {"name", "profile"});
      SeccompProfile profile;
      profile.name = jd::NonEmptyString(sp.Required("name"), sp.Path("name"));
      profile.profile = jd::AnyObject(sp.Required("profile"), sp.Path("profile"));
      jd::Object body(profile.profile, sp.Path("profile"));
      jd::NonEmptyString(body.Required("defaultAction"), body.Path("defaultAction"));
      s.seccomp_profiles.push_back(std::move(profile));
    });
  }
  if (auto* v = o.Get("seccompInstalls")) {
    jd::Array(*v, o.Path("seccompInstalls"), [&](const Json& e, const std::string& p) {
      jd::Object io(e, p, {"node", "profiles", "digest", "installedAt"});
      SeccompInstall in;
      in.node = jd::NonEmptyString(io.Required("node"), io.Path("node"));
      for (const SeccompInstall& other : s.seccomp_installs) {
        if (other.node == in.node) jd::Fail(p, absl::StrCat("duplicate node '", in.node, "'"));
      }
      if (auto* names = io.Get("profiles")) {
        jd::Array(*names, io.Path("profiles"), [&](const Json& n, const std::string& np) {
          in.profiles.push_back(jd::NonEmptyString(n, np));
        });
      }
      if (auto* d = io.Get("digest")) in.digest = jd::String(*d, io.Path("digest"));
      in.installed_at = jd::Time(io.Required("installedAt"), io.Path("installedAt"));
      s.seccomp_installs.push_back(std::move(in));
    });
  }
  if (auto* v = o.Get("shadow")) {
    jd::Array(*v, o.Path("shadow"), [&](const Json& e, const std::string& p) {
      ShadowReport r = DecodeShadowReport(e, p);
      for (const ShadowReport& other : s.shadow) {
        if (other.node == r.node) jd::Fail(p, absl::StrCat("duplicate node '", r.node, "'"));
      }
      s.shadow.push_back(std::move(r));
    });
  }
  if (auto* v = o.Get("breaks")) {
    jd::Array(*v, o.Path("breaks"), [&](const Json& e, const std::string& p) {
      s.breaks.push_back(DecodeNodeBreaks(e, p));
      for (size_t i = 0; i + 1 < s.breaks.size(); ++i) {
        if (s.breaks[i].node == s.breaks.back().node) {
          jd::Fail(p, absl::StrCat("duplicate node '", s.breaks.back().node, "'"));
        }
      }
    });
  }
  if (auto* v = o.Get("patch")) s.patch = Patch(*v, o.Path("patch"));
  if (auto* v = o.Get("networkPolicy")) {
    jd::Object np(*v, o.Path("networkPolicy"));
    if (jd::String(np.Required("apiVersion"), np.Path("apiVersion")) != "networking.k8s.io/v1") {
      jd::Fail(np.Path("apiVersion"), "must be networking.k8s.io/v1");
    }
    if (jd::String(np.Required("kind"), np.Path("kind")) != "NetworkPolicy") {
      jd::Fail(np.Path("kind"), "must be NetworkPolicy");
    }
    s.network_policy = *v;
  }
  if (auto* v = o.Get("evidence")) {
    jd::Array(*v, o.Path("evidence"), [&](const Json& e, const std::string& p) {
      jd::Object eo(e, p, {"change", "evidence"});
      s.evidence.push_back({jd::NonEmptyString(eo.Required("change"), eo.Path("change")),
                            jd::String(eo.Required("evidence"), eo.Path("evidence"))});
    });
  }
  if (auto* v = o.Get("risks")) {
    jd::Array(*v, o.Path("risks"), [&](const Json& e, const std::string& p) {
      jd::Object ro(e, p, {"risk", "detail"});
      Risk r{jd::NonEmptyString(ro.Required("risk"), ro.Path("risk")), ""};
      if (auto* d = ro.Get("detail")) r.detail = jd::String(*d, ro.Path("detail"));
      s.risks.push_back(std::move(r));
    });
  }
  if (auto* v = o.Get("numbers")) s.numbers = DecodeNumbers(*v, o.Path("numbers"));
  if (auto* v = o.Get("applied")) s.applied = DecodeApplied(*v, o.Path("applied"));
  if (auto* v = o.Get("pullRequest")) {
    jd::Object pr(*v, o.Path("pullRequest"), {"url", "state"});
    PullRequestRef ref;
    ref.url = jd::NonEmptyString(pr.Required("url"), pr.Path("url"));
    ref.state = static_cast<PullRequestState>(
        jd::Enum(pr.Required("state"), pr.Path("state"), PullRequestStateNames()));
    s.pull_request = std::move(ref);
  }
  return s;
}

RemediationProposal Decode(const Json& j) {
  jd::Object o(j, "", {"apiVersion", "kind", "metadata", "spec", "status"});
  std::string api = jd::String(o.Required("apiVersion"), "apiVersion");
  if (api != kApiVersion) jd::Fail("apiVersion", absl::StrCat("'", api, "' is not ", kApiVersion));
  std::string kind = jd::String(o.Required("kind"), "kind");
  if (kind != kRemediationProposalKind) {
    jd::Fail("kind", absl::StrCat("'", kind, "' is not ", kRemediationProposalKind));
  }
  RemediationProposal p;
  p.metadata = jd::Unwrap(ObjectMetaFromJson(o.Required("metadata")));
  if (p.metadata.name.empty()) jd::Fail("metadata.name", "is required");
  jd::Object spec(o.Required("spec"), "spec", {"target", "decision", "delivery"});
  p.spec.target = jd::Unwrap(TargetFromJson(spec.Required("target"), "spec.target"));
  if (auto* v = spec.Get("decision")) {
    p.spec.decision = static_cast<Decision>(jd::Enum(*v, "spec.decision", DecisionNames()));
  }
  if (auto* v = spec.Get("delivery")) {
    p.spec.delivery = static_cast<Delivery>(jd::Enum(*v, "spec.delivery", DeliveryNames()));
  }
  if (auto* v = o.Get("status")) p.status = DecodeStatus(*v, "status");
  return p;
}

}  // namespace

Json SeccompInstallToJson(const SeccompInstall& in) {
  Json j = {{"node", in.node}, {"profiles", in.profiles}, {"installedAt", in.installed_at}};
  if (!in.digest.empty()) j["digest"] = in.digest;
  return j;
}

namespace {

Json BreakItemToJson(const BreakItem& b) {
  Json e = {{"container", b.container}, {"kind", b.kind}, {"what", b.what}, {"count", b.count}};
  if (!b.process.empty()) e["process"] = b.process;
  if (!b.evidence.empty()) e["evidence"] = b.evidence;
  if (!b.first_seen.empty()) e["firstSeen"] = b.first_seen;
  return e;
}

}  // namespace

Json ShadowReportToJson(const ShadowReport& r) {
  Json j = {{"node", r.node},
            {"proposalDigest", r.proposal_digest},
            {"since", r.since},
            {"checkedAt", r.checked_at},
            {"wouldBeBreaks", Json::array()}};
  for (const BreakItem& b : r.would_be_breaks) j["wouldBeBreaks"].push_back(BreakItemToJson(b));
  if (r.truncated != 0) j["truncated"] = r.truncated;
  return j;
}

std::string ProposalContentDigest(const ProposalStatus& s) {
  Json j = {{"containers", Json::array()},
            {"volumes", s.volumes},
            {"seccompProfiles", SeccompProfilesDigest(s.seccomp_profiles)},
            {"networkPolicy", s.network_policy}};
  for (const ContainerChange& c : s.containers) j["containers"].push_back(ContainerToJson(c));
  return absl::StrFormat("%016x", Fnv1a64(j.dump()));
}

Json NodeBreaksToJson(const NodeBreaks& nb) {
  Json j = {{"node", nb.node}, {"breaks", Json::array()}};
  if (!nb.applied_time.empty()) j["appliedTime"] = nb.applied_time;
  for (const BreakItem& b : nb.breaks) j["breaks"].push_back(BreakItemToJson(b));
  if (nb.truncated != 0) j["truncated"] = nb.truncated;
  return j;
}

std::string SeccompProfilesDigest(const std::vector<SeccompProfile>& profiles) {
  std::vector<std::string> parts;
  for (const SeccompProfile& p : profiles) parts.push_back(absl::StrCat(p.name, "=", p.profile.dump()));
  std::sort(parts.begin(), parts.end());
  std::string joined;
  for (const std::string& part : parts) absl::StrAppend(&joined, part, "\n");
  return absl::StrFormat("%016x", Fnv1a64(joined));
}

Json ProposalStatusToJson(const ProposalStatus& s) {
  Json j = Json::object();
  if (s.phase) j["phase"] = PhaseName(*s.phase);
  if (s.observed_generation != 0) j["observedGeneration"] = s.observed_generation;
  for (const Condition& c : s.conditions) j["conditions"].push_back(ConditionToJson(c));
  if (!s.profile.empty()) j["profile"] = s.profile;
  for (const ContainerChange& c : s.containers) j["containers"].push_back(ContainerToJson(c));
  if (!s.volumes.empty()) j["volumes"] = s.volumes;
  for (const SeccompProfile& p : s.seccomp_profiles) {
    j["seccompProfiles"].push_back({{"name", p.name}, {"profile", p.profile}});
  }
  for (const SeccompInstall& in : s.seccomp_installs) {
    j["seccompInstalls"].push_back(SeccompInstallToJson(in));
  }
  for (const ShadowReport& r : s.shadow) j["shadow"].push_back(ShadowReportToJson(r));
  for (const NodeBreaks& nb : s.breaks) j["breaks"].push_back(NodeBreaksToJson(nb));
  if (s.patch.is_array() && !s.patch.empty()) j["patch"] = s.patch;
  if (!s.network_policy.is_null()) j["networkPolicy"] = s.network_policy;
  for (const ChangeEvidence& e : s.evidence) {
    j["evidence"].push_back({{"change", e.change}, {"evidence", e.evidence}});
  }
  for (const Risk& r : s.risks) j["risks"].push_back({{"risk", r.risk}, {"detail", r.detail}});
  if (s.numbers) j["numbers"] = NumbersToJson(*s.numbers);
  if (s.applied) j["applied"] = AppliedToJson(*s.applied);
  if (s.pull_request) {
    j["pullRequest"] = {{"url", s.pull_request->url},
                        {"state", PullRequestStateName(s.pull_request->state)}};
  }
  return j;
}

Json RemediationProposalToJson(const RemediationProposal& p) {
  Json spec = {{"target", TargetToJson(p.spec.target)},
               {"decision", DecisionName(p.spec.decision)}};
  if (p.spec.delivery) spec["delivery"] = DeliveryName(*p.spec.delivery);
  Json j = {{"apiVersion", kApiVersion},
            {"kind", kRemediationProposalKind},
            {"metadata", ObjectMetaToJson(p.metadata)},
            {"spec", std::move(spec)}};
  Json status = ProposalStatusToJson(p.status);
  if (!status.empty()) j["status"] = std::move(status);
  return j;
}

absl::StatusOr<ProposalStatus> ProposalStatusFromJson(const Json& j) {
  ProposalStatus s;
  absl::Status st = jd::DecodeAll("", [&] { s = DecodeStatus(j, "status"); });
  if (!st.ok()) return st;
  return s;
}

absl::StatusOr<RemediationProposal> RemediationProposalFromJson(const Json& j) {
  RemediationProposal p;
  absl::Status st = jd::DecodeAll("", [&] { p = Decode(j); });
  if (!st.ok()) return st;
  return p;
}

absl::StatusOr<RemediationProposal> ParseRemediationProposalJson(std::string_view text) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InvalidArgumentError("RemediationProposal: malformed JSON");
  return RemediationProposalFromJson(j);
}

}  // namespace minpriv::crd
