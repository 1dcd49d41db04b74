// The verdict of `minpriv verify` as words and as its JSON report.
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "absl/strings/str_cat.h"
#include "util/json.h"
#include "util/process.h"
#include "verifier/verify.h"

namespace minpriv::verifier {

using util::Json;

// A wait status as verify's messages phrase it: "exited with status 3", "was killed by
// SIGKILL".
std::string DescribeExit(int st) {
  return absl::StrCat(WIFSIGNALED(st) ? "was " : "", util::DescribeWaitStatus(st));
}

std::string VerifyReportJson(const VerifyResult& r) {
  Json j;
  j["verified"] = r.verified();
  j["workload"] = r.workload;
  j["container"] = r.container;
  j["started"] = r.started;
  j["exercise"] = Json();
  if (r.exercise_ran) {
    j["exercise"]["ran"] = true;
    j["exercise"]["status"] = DescribeExit(r.exercise_status);
  } else {
    j["exercise"]["ran"] = false;
  }
  j["workloadExit"] = r.exited ? Json(DescribeExit(r.wait_status)) : Json("stopped by verify");
  Json breaks = Json::Array();
  for (const auto& b : r.breaks) {
    Json e;
    e["kind"] = b.kind;
    e["subject"] = b.subject;
    e["message"] = b.message;
    if (!b.detail.empty()) e["detail"] = b.detail;
    breaks.Push(std::move(e));
  }
  j["breaks"] = std::move(breaks);
  j["notes"] = Json::StringArray(r.notes);
  j["ignored"] = Json::StringArray(r.ignored);
  if (r.init_container) j["initContainer"] = true;
  if (!r.profile_used.empty()) j["profile"] = r.profile_used;
  if (r.interrupted_by != 0) {
    const char* name = sigabbrev_np(r.interrupted_by);
    j["interrupted"] = name ? absl::StrCat("SIG", name) : absl::StrCat(r.interrupted_by);
  }
  // Evidence of the replay: capability checks (with where and by whom) and syscalls seen.
  Json caps = Json::Array();
  for (const auto& ev : r.observed.capability_evidence) {
    Json e;
    e["capability"] = ev.capability;
    e["callSite"] = ev.call_site;
    e["binary"] = ev.binary;
    e["denied"] = ev.denied;
    caps.Push(std::move(e));
  }
  j["observed"]["capabilityChecks"] = std::move(caps);
  j["observed"]["syscalls"] = Json::StringArray(r.observed.syscalls);
  j["events"] = r.stats.events;
  j["droppedEvents"] = r.stats.dropped;
  if (!r.bundle_dir.empty()) j["bundle"] = r.bundle_dir;
  return j.Dump(Json::KeyOrder::kSorted);
}

}  // namespace minpriv::verifier
