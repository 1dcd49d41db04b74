#include "webhooks/admission_handler.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "webhooks/mutation.h"
#include "webhooks/owner.h"
#include "webhooks/pod_security.h"
#include "webhooks/widening.h"

namespace minpriv::webhooks {
namespace {

const char* EndpointName(Endpoint e) { return e == Endpoint::kValidate ? "validate" : "mutate"; }

// The API group each workload kind lives in.
bool KnownWorkload(const GroupVersionKind& gvk) {
  const std::string& k = gvk.kind;
  if (k == "Pod") return gvk.group.empty();
  if (k == "Deployment" || k == "StatefulSet" || k == "DaemonSet" || k == "ReplicaSet") {
    return gvk.group == "apps";
  }
  if (k == "Job" || k == "CronJob") return gvk.group == "batch";
  return false;
}

std::string Subject(const AdmissionRequest& r) {
  std::string name = r.ObjectName();
  return absl::StrCat(r.kind.kind, " ", r.namespace_.empty() ? "" : r.namespace_ + "/",
                      name.empty() ? "(generated name)" : name);
}

json WideningsJson(const std::vector<Widening>& list) {
  json out = json::array();
  for (const auto& w : list) {
    json item = {{"reason", w.reason}, {"requested", w.requested}, {"approved", w.approved},
                 {"evidence", w.evidence}};
    if (!w.container.empty()) item["container"] = w.container;
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace

AdmissionHandler::Decision AdmissionHandler::Decide(Endpoint endpoint,
                                                    const AdmissionRequest& req) const {
  Decision d;
  d.response.uid = req.uid;
  d.verdict = "allowed";
  if (req.operation != "CREATE" && req.operation != "UPDATE") {
    d.reason = "operation";
    return d;
  }
  // pods/ephemeralcontainers (kubectl debug): the new ephemeral containers are checked like
  // containers on /validate; other sub-resources (scale, status) pass through.
  bool ephemeral = req.sub_resource == "ephemeralcontainers" && req.kind.kind == "Pod" &&
                   req.kind.group.empty() && endpoint == Endpoint::kValidate;
  if (!req.sub_resource.empty() && !ephemeral) {
    d.reason = "subresource";
    return d;
  }
  std::optional<std::string> pointer = PodTemplatePointer(req.kind.kind);
  if (!pointer || !KnownWorkload(req.kind) || !req.object.is_object()) {
    d.reason = "kind";
    return d;
  }
  std::shared_ptr<const PolicySnapshot> snapshot = source_.Snapshot();
  const ApprovedPolicy* policy = FindGoverningPolicy(*snapshot, req, source_.Owners());
  if (policy == nullptr) {
    d.reason = "no-policy";
    return d;
  }
  Mode mode = snapshot->ModeFor(*policy, req.namespace_, default_mode_);
  if (mode == Mode::kOff) {
    d.reason = "mode-off";
    return d;
  }
  const json* tmpl = AtPointer(req.object, *pointer);
  static const json* const kEmpty = new json(json::object());
  const json& pod_template = tmpl != nullptr ? *tmpl : *kEmpty;

  if (endpoint == Endpoint::kMutate) {
    json patch = BuildPatch(req.object, *pointer, *policy);
    d.reason = patch.empty() ? "complete" : "missing-fields";
    if (patch.empty()) return d;
    if (mode == Mode::kEnforce) {
      d.verdict = "patched";
      d.response.patch = patch.dump();
    } else {
      d.verdict = "warned";
      d.response.warnings.push_back(absl::StrCat(
          "minpriv (audit): ", Subject(req), " lacks ", patch.size(),
          " approved security field(s); in enforce mode they would be added (approved in ",
          policy->source, ")"));
    }
    return d;
  }

  std::vector<Widening> widenings =
      ephemeral ? FindEphemeralWidenings(*policy, ReadPodSecurity(pod_template),
                                         ReadPodSecurity(req.old_object))
                : FindWidenings(*policy, ReadPodSecurity(pod_template));
  if (widenings.empty()) {
    d.reason = "within-policy";
    return d;
  }
  d.reason = "widening";
  std::vector<std::string> lines;
  for (const auto& w : widenings) {
    metrics_.RecordWidening(w.reason, ModeName(mode));
    lines.push_back(w.Describe());
  }
  std::string head = absl::StrCat("minpriv: ", Subject(req), " is wider than its approved policy (",
                                  policy->kind, " ", policy->name, ", approved in ",
                                  policy->source, "): ", widenings.size(), " widening(s)");
  d.response.audit_annotations["minpriv.dev/policy"] = policy->source;
  d.response.audit_annotations["minpriv.dev/mode"] = ModeName(mode);
  d.response.audit_annotations["minpriv.dev/widenings"] = WideningsJson(widenings).dump();
  if (mode == Mode::kAudit) {
    d.verdict = "warned";
    d.response.warnings.push_back(head + " (audit mode: allowed)");
    for (const auto& l : lines) d.response.warnings.push_back("minpriv: " + l);
    return d;
  }
  d.verdict = "denied";
  d.response.allowed = false;
  d.response.code = 403;
  d.response.reason = "Forbidden";
  d.response.message = absl::StrCat(head, ":\n- ", absl::StrJoin(lines, "\n- "));
  return d;
}

HttpReply AdmissionHandler::Handle(Endpoint endpoint, std::string_view body) const {
  auto start = std::chrono::steady_clock::now();
  HttpReply reply;
  std::string verdict, reason;
  absl::StatusOr<AdmissionRequest> req = DecodeAdmissionReview(body);
  if (!req.ok()) {
    reply.status = 400;
    reply.content_type = "text/plain; charset=utf-8";
    reply.body = absl::StrCat("bad AdmissionReview: ", req.status().message(), "\n");
    verdict = "error";
    reason = "bad-request";
  } else {
    Decision d = Decide(endpoint, *req);
    reply.body = EncodeAdmissionReview(d.response);
    verdict = std::move(d.verdict);
    reason = std::move(d.reason);
  }
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  metrics_.RecordRequest(EndpointName(endpoint), verdict, reason, took.count());
  return reply;
}

}  // namespace minpriv::webhooks
