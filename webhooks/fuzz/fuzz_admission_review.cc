// libFuzzer: the AdmissionReview decoder and everything a decoded request reaches (pod
// security reading, widening comparison, patch building, owner matching, response encoding).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "webhooks/admission_review.h"
#include "webhooks/mutation.h"
#include "webhooks/owner.h"
#include "webhooks/pod_security.h"
#include "webhooks/widening.h"

using minpriv::webhooks::json;
namespace wh = minpriv::webhooks;

namespace {

// An approved policy of the shape `minpriv propose` writes (three kinds of fields at once).
const wh::ApprovedPolicy& Approved() {
  static const wh::ApprovedPolicy* const kPolicy = [] {
    auto* p = new wh::ApprovedPolicy();
    p->key = "shop/Deployment/store";
    p->kind = "Deployment";
    p->name = "store";
    p->namespace_ = "shop";
    p->source = "fuzz";
    p->pod_template = json::parse(R"({"metadata":{"annotations":{
      "container.apparmor.security.beta.kubernetes.io/web":"runtime/default"}},
      "spec":{"containers":[{"name":"web","volumeMounts":[{"name":"tmp","mountPath":"/tmp"}],
      "securityContext":{"capabilities":{"add":["NET_BIND_SERVICE"],"drop":["ALL"]},
      "privileged":false,"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,
      "runAsNonRoot":true,"runAsUser":101,"seccompProfile":{"type":"Localhost",
      "localhostProfile":"minpriv/web.json"}},"ports":[{"containerPort":80,"hostPort":80}]}],
      "volumes":[{"name":"tmp","emptyDir":{}},{"name":"logs","hostPath":{"path":"/var/log"}}]}})");
    p->security = wh::ReadPodSecurity(p->pod_template);
    return p;
  }();
  return *kPolicy;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto req = wh::DecodeAdmissionReview(body);
  if (!req.ok()) return 0;
  auto policy = std::make_shared<const wh::ApprovedPolicy>(Approved());
  wh::PolicySnapshot snapshot({{policy->key, policy}}, {});
  (void)wh::FindGoverningPolicy(snapshot, *req);
  auto pointer = wh::PodTemplatePointer(req->kind.kind);
  if (!pointer) pointer = "";
  const json* tmpl = wh::AtPointer(req->object, *pointer);
  wh::PodSecurity security = wh::ReadPodSecurity(tmpl != nullptr ? *tmpl : req->object);
  wh::AdmissionResponse response;
  response.uid = req->uid;
  for (const auto& w : wh::FindWidenings(Approved(), security)) {
    response.warnings.push_back(w.Describe());
  }
  json patch = wh::BuildPatch(req->object, *pointer, Approved());
  if (!patch.empty()) {
    response.patch = patch.dump();
    // The patch must apply to the object it was made for.
    try {
      (void)req->object.patch(patch);
    } catch (const json::exception& e) {
      __builtin_trap();
    }
  }
  (void)wh::EncodeAdmissionReview(response);
  return 0;
}
