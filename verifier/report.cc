// The verdict of `minpriv verify` as words and as its JSON report.
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "absl/strings/str_cat.h"
#include "util/json_format.h"
#include "util/process.h"
#include "verifier/verify.h"

namespace minpriv::verifier {

// A wait status as verify's messages phrase it: "exited with status 3", "was killed by
// SIGKILL".
std::string DescribeExit(int st) {
  return absl::StrCat(WIFSIGNALED(st) ? "was " : "", util::DescribeWaitStatus(st));
}

std::string VerifyReportJson(const VerifyResult& r) {
  nlohmann::json j;
  j["verified"] = r.verified();
  j["workload"] = r.workload;
  j["container"] = r.container;
  j["started"] = r.started;
  j["exercise"] = nlohmann::json();
  if (r.exercise_ran) {
    j["exercise"]["ran"] = true;
    j["exercise"]["status"] = DescribeExit(r.exercise_status);
  } else {
    j["exercise"]["ran"] = false;
  }
  j["workloadExit"] = r.exited ? DescribeExit(r.wait_status) : std::string("stopped by verify");
  nlohmann::json breaks = nlohmann::json::array();
  for (const auto& b : r.breaks) {
    nlohmann::json e;
    e["kind"] = b.kind;
    e["subject"] = b.subject;
    e["message"] = b.message;
    if (!b.detail.empty()) e["detail"] = b.detail;
    breaks.push_back(std::move(e));
  }
  j["breaks"] = std::move(breaks);
  j["notes"] = r.notes;
  j["ignored"] = r.ignored;
  if (r.init_container) j["initContainer"] = true;
  if (!r.profile_used.empty()) j["profile"] = r.profile_used;
  if (r.interrupted_by != 0) {
    const char* name = sigabbrev_np(r.interrupted_by);
    j["interrupted"] = name ? absl::StrCat("SIG", name) : absl::StrCat(r.interrupted_by);
  }
  // Evidence of the replay: capability checks (with where and by whom) and syscalls seen.
  nlohmann::json caps = nlohmann::json::array();
  for (const auto& ev : r.observed.capability_evidence) {
    nlohmann::json e;
    e["capability"] = ev.capability;
    e["callSite"] = ev.call_site;
    e["binary"] = ev.binary;
    e["denied"] = ev.denied;
    caps.push_back(std::move(e));
  }
  j["observed"]["capabilityChecks"] = std::move(caps);
  j["observed"]["syscalls"] = r.observed.syscalls;
  j["events"] = r.stats.events;
  j["droppedEvents"] = r.stats.dropped;
  if (!r.bundle_dir.empty()) j["bundle"] = r.bundle_dir;
  // Which mode ran: the image (by digest) or the host's root; which network.
  j["mode"] = r.mode;
  if (r.mode == "image") {
    j["image"]["ref"] = r.image;
    j["image"]["digest"] = r.image_digest;
    j["image"]["cached"] = r.image_cached;
  }
  j["command"] = r.command;
  j["network"]["namespace"] = r.network;
  if (r.network == "own") {
    j["network"]["podIP"] = r.pod_ip;
    j["network"]["egressEnforced"] = r.egress_enforced;
    j["network"]["ingressEnforced"] = r.ingress_enforced;
    j["network"]["egressDeniedPackets"] = r.egress_denied;
    j["network"]["ingressDeniedPackets"] = r.ingress_denied;
  }
  return util::DumpPretty(j);  // nlohmann::json: keys sorted
}

}  // namespace minpriv::verifier
