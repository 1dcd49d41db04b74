// The admission decisions against real proposal directories: every widening alone and
// combined in audit and enforce, narrowed and equal allowed, owner matching, pass-through
// shapes, dryRun, UPDATE, mode overrides, mutation.
#include "webhooks/admission_handler.h"

#include <filesystem>
#include <functional>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "webhooks/proposal_dir_source.h"
#include "webhooks/test_support.h"

namespace minpriv::webhooks {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::ObjectFromYaml;
using testing::PodOf;
using testing::Review;

class AdmissionHandlerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new std::string(testing::TempDir("minpriv-webhook-handler"));
    testing::WriteProposal("store", *root_ + "/store");
    testing::WriteProposal("nightly", *root_ + "/nightly");
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*root_);
    delete root_;
  }
  void SetUp() override {
    source_ = std::make_unique<ProposalDirSource>(*root_);
    ASSERT_TRUE(source_->Load().ok());
  }

  json Narrowed(const std::string& which) {
    return ObjectFromYaml(*root_ + "/" + which + "/narrowed.yaml");
  }
  json Original(const std::string& which) {
    return ObjectFromYaml(testing::TestData() + "/" + which + "/manifest.yaml");
  }
  json Call(Mode mode, const json& review, Endpoint e = Endpoint::kValidate, int* status = nullptr) {
    AdmissionHandler h(*source_, mode, metrics_);
    HttpReply reply = h.Handle(e, review.dump());
    if (status != nullptr) *status = reply.status;
    if (reply.status != 200) return json{{"error", reply.body}};
    json out = json::parse(reply.body);
    EXPECT_EQ(out["apiVersion"], "admission.k8s.io/v1");
    EXPECT_EQ(out["kind"], "AdmissionReview");
    EXPECT_EQ(out["response"]["uid"], review["request"]["uid"]);
    return out["response"];
  }

  static std::string* root_;
  std::unique_ptr<ProposalDirSource> source_;
  Metrics metrics_;
};
std::string* AdmissionHandlerTest::root_ = nullptr;

json& Container(json& deployment, const std::string& name) {
  for (json& c : deployment["spec"]["template"]["spec"]["containers"]) {
    if (c["name"] == name) return c;
  }
  ADD_FAILURE() << "no container " << name;
  static json none;
  return none;
}

struct WideningCase {
  std::string name;
  std::function<void(json&)> widen;
  std::string reason;  // expected Widening::reason
  std::string detail;  // expected in the message
};

std::vector<WideningCase> Cases() {
  return {
      {"capability", [](json& d) { Container(d, "web")["securityContext"]["capabilities"]["add"].push_back("SYS_ADMIN"); },
       "capability", "container web: capability SYS_ADMIN (approved: NET_BIND_SERVICE; evidence: learned: needed NET_BIND_SERVICE (__inet_bind by /usr/sbin/web)"},
      {"default caps kept", [](json& d) { Container(d, "api")["securityContext"].erase("capabilities"); },
       "capability", "container api: capability NET_RAW (approved: none"},
      {"privileged", [](json& d) { Container(d, "api")["securityContext"]["privileged"] = true; },
       "privileged", "container api: privileged privileged: true (approved: privileged: false"},
      {"allowPrivilegeEscalation", [](json& d) { Container(d, "metrics")["securityContext"]["allowPrivilegeEscalation"] = true; },
       "allowPrivilegeEscalation", "container metrics: allowPrivilegeEscalation"},
      {"readOnlyRootFilesystem", [](json& d) { Container(d, "api")["securityContext"].erase("readOnlyRootFilesystem"); },
       "readOnlyRootFilesystem", "container api: readOnlyRootFilesystem readOnlyRootFilesystem: false (or unset) (approved: readOnlyRootFilesystem: true; evidence: learned: wrote no file"},
      {"writable mount", [](json& d) {
         d["spec"]["template"]["spec"]["volumes"].push_back({{"name", "scratch"}, {"emptyDir", json::object()}});
         Container(d, "api")["volumeMounts"] = {{{"name", "scratch"}, {"mountPath", "/scratch"}}}; },
       "writableMount", "container api: writableMount /scratch (approved: none"},
      {"seccomp unconfined", [](json& d) { Container(d, "web")["securityContext"]["seccompProfile"] = {{"type", "Unconfined"}}; },
       "seccomp", "container web: seccomp Unconfined (approved: Localhost minpriv/shop-store-web.json"},
      {"seccomp runtime default", [](json& d) { Container(d, "web")["securityContext"]["seccompProfile"] = {{"type", "RuntimeDefault"}}; },
       "seccomp", "seccomp RuntimeDefault (approved: Localhost"},
      {"seccomp other localhost", [](json& d) { Container(d, "web")["securityContext"]["seccompProfile"]["localhostProfile"] = "minpriv/other.json"; },
       "seccomp", "seccomp Localhost minpriv/other.json"},
      {"seccomp missing", [](json& d) { Container(d, "web")["securityContext"].erase("seccompProfile"); },
       "seccomp", "seccomp none (Unconfined)"},
      {"seccomp from pod level", [](json& d) {
         Container(d, "web")["securityContext"].erase("seccompProfile");
         d["spec"]["template"]["spec"]["securityContext"]["seccompProfile"] = {{"type", "RuntimeDefault"}}; },
       "seccomp", "seccomp RuntimeDefault (pod level)"},
      {"runAsNonRoot", [](json& d) {
         Container(d, "api")["securityContext"].erase("runAsUser");
         Container(d, "api")["securityContext"]["runAsNonRoot"] = false; },
       "runAsNonRoot", "container api: runAsNonRoot runAsNonRoot unset (approved: runAsNonRoot: true, runAsUser: 1000; evidence: learned: ran as uid 1000"},
      {"runAsUser root", [](json& d) { Container(d, "api")["securityContext"]["runAsUser"] = 0; },
       "runAsUser", "container api: runAsUser"},
      {"hostPath", [](json& d) { d["spec"]["template"]["spec"]["volumes"].push_back({{"name", "host"}, {"hostPath", {{"path", "/var/run/docker.sock"}}}}); },
       "hostPath", "pod: hostPath /var/run/docker.sock (approved: none"},
      {"hostNetwork", [](json& d) { d["spec"]["template"]["spec"]["hostNetwork"] = true; },
       "hostNetwork", "pod: hostNetwork hostNetwork: true"},
      {"hostPID", [](json& d) { d["spec"]["template"]["spec"]["hostPID"] = true; },
       "hostPID", "pod: hostPID hostPID: true"},
      {"hostIPC", [](json& d) { d["spec"]["template"]["spec"]["hostIPC"] = true; },
       "hostIPC", "pod: hostIPC hostIPC: true"},
      {"hostPort", [](json& d) { Container(d, "metrics")["ports"][0]["hostPort"] = 9100; },
       "hostPort", "container metrics: hostPort 9100/TCP (approved: none"},
  };
}

TEST_F(AdmissionHandlerTest, NarrowedDeploymentIsAllowedInEnforce) {
  json r = Call(Mode::kEnforce, Review(Narrowed("store")));
  EXPECT_EQ(r["allowed"], true);
  EXPECT_FALSE(r.contains("warnings"));
  EXPECT_FALSE(r.contains("patch"));
}

TEST_F(AdmissionHandlerTest, EachWideningAloneIsDeniedInEnforceAndWarnedInAudit) {
  for (const auto& c : Cases()) {
    SCOPED_TRACE(c.name);
    json d = Narrowed("store");
    c.widen(d);
    json denied = Call(Mode::kEnforce, Review(d));
    EXPECT_EQ(denied["allowed"], false);
    EXPECT_EQ(denied["status"]["code"], 403);
    std::string message = denied["status"]["message"];
    EXPECT_THAT(message, AllOf(HasSubstr("Deployment shop/store is wider than its approved policy"),
                               HasSubstr(c.detail)));
    json annotations = json::parse(denied["auditAnnotations"]["minpriv.dev/widenings"].get<std::string>());
    std::set<std::string> reasons;
    for (const auto& w : annotations) reasons.insert(w["reason"]);
    EXPECT_EQ(reasons, std::set<std::string>{c.reason});

    json audited = Call(Mode::kAudit, Review(d));
    EXPECT_EQ(audited["allowed"], true);
    ASSERT_TRUE(audited.contains("warnings"));
    EXPECT_THAT(audited["warnings"][0].get<std::string>(), HasSubstr("audit mode: allowed"));
    EXPECT_THAT(audited["warnings"].dump(), HasSubstr(c.reason));
    EXPECT_EQ(audited["auditAnnotations"]["minpriv.dev/mode"], "audit");
    EXPECT_EQ(Call(Mode::kOff, Review(d))["allowed"], true);
  }
}

TEST_F(AdmissionHandlerTest, CombinedWideningsAreAllListed) {
  json d = Narrowed("store");
  for (const auto& c : Cases()) c.widen(d);
  json r = Call(Mode::kEnforce, Review(d));
  EXPECT_EQ(r["allowed"], false);
  std::string message = r["status"]["message"];
  for (const auto& c : Cases()) {
    if (c.name.rfind("seccomp", 0) == 0 || c.name == "runAsNonRoot" || c.name == "default caps kept") continue;
    EXPECT_THAT(message, HasSubstr(c.detail)) << c.name;
  }
  EXPECT_THAT(message, HasSubstr("container web: seccomp"));
  json audited = Call(Mode::kAudit, Review(d));
  EXPECT_EQ(audited["allowed"], true);
  EXPECT_GT(audited["warnings"].size(), 10u);
}

TEST_F(AdmissionHandlerTest, NarrowerThanApprovedIsAllowed) {
  json d = Narrowed("store");
  Container(d, "web")["securityContext"]["capabilities"].erase("add");  // fewer capabilities
  Container(d, "web")["volumeMounts"].erase(1);                        // no writable /tmp
  Container(d, "api")["securityContext"]["runAsUser"] = 2000;          // another non-root uid
  d["spec"]["template"]["spec"]["securityContext"]["seccompProfile"] = {{"type", "Unconfined"}};
  json r = Call(Mode::kEnforce, Review(d));  // the containers' Localhost profiles win
  EXPECT_EQ(r["allowed"], true) << r.dump();
  EXPECT_FALSE(r.contains("warnings"));
}

TEST_F(AdmissionHandlerTest, OriginalManifestIsWiderThanItsProposal) {
  json r = Call(Mode::kEnforce, Review(Original("store")));
  EXPECT_EQ(r["allowed"], false);
  EXPECT_THAT(r["status"]["message"].get<std::string>(),
              AllOf(HasSubstr("container web: capability CHOWN"), HasSubstr("readOnlyRootFilesystem")));
}

TEST_F(AdmissionHandlerTest, PodsOfTheDeploymentAreMatchedByOwner) {
  json d = Narrowed("store");
  json pod = PodOf(d, "store-7d4b9c8f5d");
  EXPECT_EQ(Call(Mode::kEnforce, Review(pod))["allowed"], true);
  pod["spec"]["containers"][0]["securityContext"]["privileged"] = true;
  json r = Call(Mode::kEnforce, Review(pod));
  EXPECT_EQ(r["allowed"], false);
  EXPECT_THAT(r["status"]["message"].get<std::string>(),
              AllOf(HasSubstr("Pod shop/(generated name)"), HasSubstr("(Deployment store"),
                    HasSubstr("container web: privileged")));
  // Another deployment's ReplicaSet, or no owner at all: no policy applies.
  json other = PodOf(d, "storefront-7d4b9c8f5d");
  other["spec"]["containers"][0]["securityContext"]["privileged"] = true;
  EXPECT_EQ(Call(Mode::kEnforce, Review(other))["allowed"], true);
  // The ReplicaSet itself, by its ownerReferences.
  json rs = d;
  rs["kind"] = "ReplicaSet";
  rs["metadata"]["name"] = "store-7d4b9c8f5d";
  rs["metadata"]["ownerReferences"] = {{{"apiVersion", "apps/v1"}, {"kind", "Deployment"},
                                        {"name", "store"}, {"controller", true}}};
  Container(rs, "api")["securityContext"]["capabilities"]["add"] = {"NET_ADMIN"};
  json rr = Call(Mode::kEnforce, Review(rs));
  EXPECT_EQ(rr["allowed"], false);
  EXPECT_THAT(rr["status"]["message"].get<std::string>(), HasSubstr("capability NET_ADMIN"));
}

TEST_F(AdmissionHandlerTest, RequesterLabelsCannotSwitchEnforcementOff) {
  json pod = PodOf(Narrowed("store"), "store-7d4b9c8f5d");
  pod["spec"]["hostPID"] = true;
  for (const char* k : {"minpriv.dev/mode", "minpriv.dev/enforce", "minpriv.dev/workload"}) {
    pod["metadata"]["labels"][k] = "off";
    pod["metadata"]["annotations"][k] = "off";
  }
  pod["metadata"]["labels"]["app.kubernetes.io/name"] = "something-else";
  json r = Call(Mode::kEnforce, Review(pod));
  EXPECT_EQ(r["allowed"], false);
  EXPECT_THAT(r["status"]["message"].get<std::string>(), HasSubstr("hostPID"));
}

TEST_F(AdmissionHandlerTest, CronJobJobsAndTheirPodsAreMatchedByOwner) {
  json cj = Narrowed("nightly");
  EXPECT_EQ(Call(Mode::kEnforce, Review(cj))["allowed"], true);
  json widened = cj;
  widened["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["securityContext"]
         ["capabilities"]["add"].push_back("SYS_PTRACE");
  json r = Call(Mode::kEnforce, Review(widened));
  EXPECT_EQ(r["allowed"], false);
  EXPECT_THAT(r["status"]["message"].get<std::string>(),
              HasSubstr("container backup: capability SYS_PTRACE (approved: CHOWN, DAC_OVERRIDE"));

  json job = {{"apiVersion", "batch/v1"}, {"kind", "Job"},
              {"metadata", {{"name", "nightly-backup-29123456"}, {"namespace", "ops"},
                            {"ownerReferences", {{{"apiVersion", "batch/v1"}, {"kind", "CronJob"},
                                                  {"name", "nightly-backup"}, {"controller", true}}}}}},
              {"spec", cj["spec"]["jobTemplate"]["spec"]}};
  EXPECT_EQ(Call(Mode::kEnforce, Review(job))["allowed"], true);
  job["spec"]["template"]["spec"]["hostNetwork"] = true;
  EXPECT_EQ(Call(Mode::kEnforce, Review(job))["allowed"], false);

  json pod = cj["spec"]["jobTemplate"]["spec"]["template"];
  pod["apiVersion"] = "v1";
  pod["kind"] = "Pod";
  pod["metadata"]["namespace"] = "ops";
  pod["metadata"]["ownerReferences"] = {{{"apiVersion", "batch/v1"}, {"kind", "Job"},
                                         {"name", "nightly-backup-29123456"}, {"controller", true}}};
  EXPECT_EQ(Call(Mode::kEnforce, Review(pod))["allowed"], true);
  pod["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"] = true;
  json pr = Call(Mode::kEnforce, Review(pod));
  EXPECT_EQ(pr["allowed"], false);
  EXPECT_THAT(pr["status"]["message"].get<std::string>(), HasSubstr("(CronJob nightly-backup"));
}

TEST_F(AdmissionHandlerTest, OtherShapesPassThroughOrAreChecked) {
  json d = Narrowed("store");
  d["spec"]["template"]["spec"]["hostIPC"] = true;
  // kind: Scale on deployments/scale: a sub-resource, passed through untouched.
  json scale = Review({{"apiVersion", "autoscaling/v1"}, {"kind", "Scale"},
                       {"metadata", {{"name", "store"}, {"namespace", "shop"}}},
                       {"spec", {{"replicas", 5}}}}, "UPDATE");
  scale["request"]["kind"] = {{"group", "autoscaling"}, {"version", "v1"}, {"kind", "Scale"}};
  scale["request"]["resource"] = {{"group", "apps"}, {"version", "v1"}, {"resource", "deployments"}};
  scale["request"]["subResource"] = "scale";
  for (Endpoint e : {Endpoint::kValidate, Endpoint::kMutate}) {
    json r = Call(Mode::kEnforce, scale, e);
    EXPECT_EQ(r["allowed"], true);
    EXPECT_FALSE(r.contains("patch"));
  }
  // A status update of a widened Deployment: a sub-resource too.
  json status = Review(d, "UPDATE");
  status["request"]["subResource"] = "status";
  EXPECT_EQ(Call(Mode::kEnforce, status)["allowed"], true);
  // Unknown kinds and DELETE pass.
  json cm = Review({{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                    {"metadata", {{"name", "store"}, {"namespace", "shop"}}}});
  EXPECT_EQ(Call(Mode::kEnforce, cm)["allowed"], true);
  json del = Review(d, "DELETE");
  del["request"]["oldObject"] = d;
  del["request"]["object"] = nullptr;
  EXPECT_EQ(Call(Mode::kEnforce, del)["allowed"], true);
  // StatefulSet and DaemonSet of the same name: another workload, no proposal.
  for (const char* kind : {"StatefulSet", "DaemonSet"}) {
    json other = d;
    other["kind"] = kind;
    EXPECT_EQ(Call(Mode::kEnforce, Review(other))["allowed"], true) << kind;
  }
}

TEST_F(AdmissionHandlerTest, DryRunAndUpdateGetTheSameVerdict) {
  json old = Narrowed("store");
  json d = old;
  Container(d, "web")["securityContext"]["privileged"] = true;
  json update = Review(d, "UPDATE");
  update["request"]["oldObject"] = old;
  json r = Call(Mode::kEnforce, update);
  EXPECT_EQ(r["allowed"], false);
  update["request"]["dryRun"] = true;
  json dry = Call(Mode::kEnforce, update);
  EXPECT_EQ(dry, r);
  json ok = Review(old, "UPDATE");
  ok["request"]["oldObject"] = d;  // narrowing an already wide object is fine
  EXPECT_EQ(Call(Mode::kEnforce, ok)["allowed"], true);
}

TEST_F(AdmissionHandlerTest, ModesComeFromTheSettingsFileOnly) {
  ASSERT_TRUE(util::WriteFileAtomic(*root_ + "/webhook-settings.yaml",
                                    "apiVersion: minpriv.dev/v1alpha1\nkind: WebhookSettings\n"
                                    "namespaces:\n  shop: enforce\n"
                                    "workloads:\n  ops/CronJob/nightly-backup: \"off\"\n")
                  .ok());
  ASSERT_TRUE(source_->Load().ok());
  std::filesystem::remove(*root_ + "/webhook-settings.yaml");
  json d = Narrowed("store");
  d["spec"]["template"]["spec"]["hostNetwork"] = true;
  EXPECT_EQ(Call(Mode::kAudit, Review(d))["allowed"], false);  // namespace override: enforce
  json cj = Narrowed("nightly");
  cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["hostNetwork"] = true;
  json r = Call(Mode::kEnforce, Review(cj));  // workload override: off
  EXPECT_EQ(r["allowed"], true);
  EXPECT_FALSE(r.contains("warnings"));
}

TEST_F(AdmissionHandlerTest, MutateAddsTheApprovedFieldsThenValidatePasses) {
  json d = Original("store");
  Container(d, "api")["securityContext"] = {{"runAsUser", 2000}, {"allowPrivilegeEscalation", false},
                                            {"capabilities", {{"drop", {"ALL"}}}}};
  json r = Call(Mode::kEnforce, Review(d), Endpoint::kMutate);
  EXPECT_EQ(r["allowed"], true);
  ASSERT_EQ(r["patchType"], "JSONPatch");
  std::string patch_text;
  ASSERT_TRUE(absl::Base64Unescape(r["patch"].get<std::string>(), &patch_text));
  json patch = json::parse(patch_text);
  json patched = d.patch(patch);
  const json& api = Container(patched, "api")["securityContext"];
  EXPECT_EQ(api["runAsUser"], 2000);  // set by the request: kept
  EXPECT_EQ(api["capabilities"], json({{"drop", {"ALL"}}}));
  EXPECT_EQ(api["readOnlyRootFilesystem"], true);  // missing: added
  EXPECT_EQ(api["seccompProfile"]["localhostProfile"], "minpriv/shop-store-api.json");
  const json& web = Container(patched, "web");
  EXPECT_EQ(web["securityContext"]["capabilities"]["add"], json({"NET_BIND_SERVICE"}));
  EXPECT_EQ(web["volumeMounts"][1]["mountPath"], "/tmp");
  EXPECT_EQ(patched["spec"]["template"]["spec"]["volumes"][1]["name"], "minpriv-web-tmp");
  json v = Call(Mode::kEnforce, Review(patched));
  EXPECT_EQ(v["allowed"], true) << v.dump();
  // Already complete: no patch. Audit: no patch, a warning.
  EXPECT_FALSE(Call(Mode::kEnforce, Review(patched), Endpoint::kMutate).contains("patch"));
  json audit = Call(Mode::kAudit, Review(d), Endpoint::kMutate);
  EXPECT_FALSE(audit.contains("patch"));
  EXPECT_THAT(audit["warnings"][0].get<std::string>(), HasSubstr("would be added"));
}

TEST_F(AdmissionHandlerTest, MutatePodOfCronJobPatchesItsPath) {
  json pod = Original("nightly")["spec"]["jobTemplate"]["spec"]["template"];
  pod["apiVersion"] = "v1";
  pod["kind"] = "Pod";
  pod["metadata"]["namespace"] = "ops";
  pod["metadata"]["ownerReferences"] = {{{"apiVersion", "batch/v1"}, {"kind", "Job"},
                                         {"name", "nightly-backup-29123456"}, {"controller", true}}};
  json r = Call(Mode::kEnforce, Review(pod), Endpoint::kMutate);
  std::string text;
  ASSERT_TRUE(absl::Base64Unescape(r["patch"].get<std::string>(), &text));
  json patch = json::parse(text);
  ASSERT_EQ(patch.size(), 1u);
  EXPECT_EQ(patch[0]["path"], "/spec/containers/0/securityContext");
  EXPECT_EQ(Call(Mode::kEnforce, Review(pod.patch(patch)))["allowed"], true);
}

TEST_F(AdmissionHandlerTest, BadRequestsAre400WithAMessage) {
  json no_uid = Review(Narrowed("store"));
  no_uid["request"].erase("uid");
  json v1beta1 = Review(Narrowed("store"));
  v1beta1["apiVersion"] = "admission.k8s.io/v1beta1";
  json wrong_kind = Review(Narrowed("store"));
  wrong_kind["kind"] = "TokenReview";
  AdmissionHandler h(*source_, Mode::kEnforce, metrics_);
  struct Bad { std::string body, message; };
  for (const Bad& b : std::vector<Bad>{
           {"{\"apiVersion\": ", "not valid JSON"},
           {"[]", "not a JSON object"},
           {no_uid.dump(), "request.uid is missing"},
           {v1beta1.dump(), "expected admission.k8s.io/v1"},
           {wrong_kind.dump(), "expected AdmissionReview"},
           {std::string(100000, '[') + std::string(100000, ']'), "nests deeper"},
           {"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}", "no request"}}) {
    HttpReply reply = h.Handle(Endpoint::kValidate, b.body);
    EXPECT_EQ(reply.status, 400);
    EXPECT_THAT(reply.body, HasSubstr(b.message));
  }
  EXPECT_THAT(metrics_.Render(),
              HasSubstr("minpriv_webhook_requests_total{endpoint=\"validate\",verdict=\"error\",reason=\"bad-request\"} 7"));
}

}  // namespace
}  // namespace minpriv::webhooks
