#include "webhooks/admission_review.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "webhooks/pod_security.h"

namespace minpriv::webhooks {
namespace {

using nlohmann::json;

// Nesting depth of JSON text (brackets outside strings), stopping early past `limit`.
int NestingDepth(std::string_view text, int limit) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char ch : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (ch == '\\') {
        escaped = true;
      } else if (ch == '"') {
        in_string = false;
      }
      continue;
    }
    if (ch == '"') {
      in_string = true;
    } else if (ch == '{' || ch == '[') {
      max_depth = std::max(max_depth, ++depth);
      if (max_depth > limit) return max_depth;
    } else if (ch == '}' || ch == ']') {
      --depth;
    }
  }
  return max_depth;
}

std::string Str(const json& j, std::string_view key) {
  const json* v = Member(j, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

}  // namespace

std::string AdmissionRequest::ObjectName() const {
  const json* meta = Member(object, "metadata");
  std::string n = meta != nullptr ? Str(*meta, "name") : std::string();
  return n.empty() ? name : n;
}

std::vector<OwnerReference> AdmissionRequest::OwnerReferences() const {
  std::vector<OwnerReference> out;
  const json* meta = Member(object, "metadata");
  const json* refs = meta != nullptr ? Member(*meta, "ownerReferences") : nullptr;
  if (refs == nullptr || !refs->is_array()) return out;
  for (const json& r : *refs) {
    OwnerReference o{Str(r, "apiVersion"), Str(r, "kind"), Str(r, "name"), false};
    const json* c = Member(r, "controller");
    o.controller = c != nullptr && c->is_boolean() && c->get<bool>();
    out.push_back(std::move(o));
  }
  return out;
}

absl::StatusOr<AdmissionRequest> DecodeAdmissionReview(std::string_view body) {
  if (NestingDepth(body, kMaxJsonDepth) > kMaxJsonDepth) {
    return absl::InvalidArgumentError(
        absl::StrCat("AdmissionReview nests deeper than ", kMaxJsonDepth, " levels"));
  }
  json review;
  try {
    review = json::parse(body);
  } catch (const json::exception& e) {  // nlohmann's exceptions stop here
    return absl::InvalidArgumentError(
        absl::StrCat("body is not valid JSON (", e.what(), "); send an AdmissionReview"));
  }
  if (!review.is_object()) {
    return absl::InvalidArgumentError("body is not a JSON object; send an AdmissionReview");
  }
  std::string api_version = Str(review, "apiVersion");
  std::string kind = Str(review, "kind");
  if (kind != "AdmissionReview") {
    return absl::InvalidArgumentError(
        absl::StrCat("kind is '", kind, "', expected AdmissionReview"));
  }
  if (api_version != "admission.k8s.io/v1") {
    return absl::InvalidArgumentError(absl::StrCat(
        "apiVersion is '", api_version,
        "', expected admission.k8s.io/v1 (set admissionReviewVersions: [v1])"));
  }
  json* request = nullptr;
  if (auto it = review.find("request"); it != review.end() && it->is_object()) request = &*it;
  if (request == nullptr) return absl::InvalidArgumentError("AdmissionReview has no request");
  AdmissionRequest out;
  out.uid = Str(*request, "uid");
  if (out.uid.empty()) return absl::InvalidArgumentError("request.uid is missing or empty");
  if (const json* k = Member(*request, "kind"); k != nullptr) {
    out.kind = {Str(*k, "group"), Str(*k, "version"), Str(*k, "kind")};
  }
  if (const json* r = Member(*request, "resource"); r != nullptr) out.resource = Str(*r, "resource");
  out.sub_resource = Str(*request, "subResource");
  out.name = Str(*request, "name");
  out.namespace_ = Str(*request, "namespace");
  out.operation = Str(*request, "operation");
  if (const json* d = Member(*request, "dryRun"); d != nullptr && d->is_boolean()) {
    out.dry_run = d->get<bool>();
  }
  if (auto it = request->find("object"); it != request->end()) out.object = std::move(*it);
  if (auto it = request->find("oldObject"); it != request->end()) {
    out.old_object = std::move(*it);
  }
  return out;
}

std::string EncodeAdmissionReview(const AdmissionResponse& r) {
  json response = {{"uid", r.uid}, {"allowed", r.allowed}};
  if (!r.allowed) {
    response["status"] = {{"code", r.code == 0 ? 403 : r.code},
                          {"reason", r.reason.empty() ? "Forbidden" : r.reason},
                          {"message", r.message}};
  }
  if (!r.warnings.empty()) response["warnings"] = r.warnings;
  if (!r.audit_annotations.empty()) response["auditAnnotations"] = r.audit_annotations;
  if (!r.patch.empty()) {
    response["patchType"] = "JSONPatch";
    response["patch"] = absl::Base64Escape(r.patch);
  }
  json review = {{"apiVersion", "admission.k8s.io/v1"},
                 {"kind", "AdmissionReview"},
                 {"response", std::move(response)}};
  // Replacement of invalid UTF-8 (a message quoting the request) rather than an exception.
  return review.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace minpriv::webhooks
