#include "gitops/pr_evidence.h"

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "util/files.h"

namespace minpriv::gitops {
namespace {

using nlohmann::json;

std::vector<std::string> Strings(const json& j, const char* key) {
  std::vector<std::string> out;
  if (!j.contains(key) || !j[key].is_array()) return out;
  for (const json& v : j[key]) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::optional<bool> Bool(const json& j, const char* key) {
  if (j.contains(key) && j[key].is_boolean()) return j[key].get<bool>();
  return std::nullopt;
}

std::string Str(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

ContainerSummary FromJson(const json& c) {
  ContainerSummary s;
  s.kind = Str(c, "kind");
  s.namespace_ = Str(c, "namespace");
  s.workload = Str(c, "workload");
  s.container = Str(c, "container");
  if (c.contains("capabilities") && c["capabilities"].is_object()) {
    s.caps_dropped = Strings(c["capabilities"], "dropped");
    s.caps_added = Strings(c["capabilities"], "added");
  }
  if (c.contains("syscalls") && c["syscalls"].is_object()) {
    const json& sc = c["syscalls"];
    if (sc.contains("allowed") && sc["allowed"].is_number_integer()) s.syscalls_allowed = sc["allowed"];
    if (sc.contains("runtimeDefault") && sc["runtimeDefault"].is_number_integer()) {
      s.syscalls_runtime_default = sc["runtimeDefault"];
    }
  }
  s.seccomp_profile = Str(c, "seccompProfile");
  s.privileged = Bool(c, "privileged");
  s.allow_privilege_escalation = Bool(c, "allowPrivilegeEscalation");
  s.read_only_root_fs = Bool(c, "readOnlyRootFilesystem");
  s.run_as_non_root = Bool(c, "runAsNonRoot");
  if (c.contains("runAsUser") && c["runAsUser"].is_number_integer()) {
    s.run_as_user = c["runAsUser"].get<int64_t>();
  }
  s.writable_paths = Strings(c, "writablePaths");
  s.ingress = Strings(c, "ingress");
  s.egress = Strings(c, "egress");
  s.network = c.contains("ingress") || c.contains("egress");
  return s;
}

}  // namespace

absl::StatusOr<ProposalEvidence> ReadProposalEvidence(const std::string& dir) {
  ProposalEvidence e;
  absl::StatusOr<std::string> report = util::ReadFile(dir + "/report.md");
  if (!report.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        dir, "/report.md: ", report.status().message(),
        "; --proposal must be a directory `minpriv propose --out-dir` wrote"));
  }
  e.report_md = *std::move(report);
  if (std::filesystem::exists(dir + "/summary.json")) {
    absl::StatusOr<std::string> text = util::ReadFile(dir + "/summary.json");
    if (!text.ok()) return text.status();
    json j = json::parse(*text, nullptr, false);
    if (!j.is_object() || !j.contains("containers") || !j["containers"].is_array()) {
      return absl::InvalidArgumentError(
          absl::StrCat(dir, "/summary.json: not a ProposalSummary (no \"containers\" list)"));
    }
    for (const json& c : j["containers"]) {
      if (c.is_object()) e.containers.push_back(FromJson(c));
    }
  }
  const std::string vfile = dir + "/verification.json";
  if (std::filesystem::exists(vfile)) {
    absl::StatusOr<std::string> text = util::ReadFile(vfile);
    if (!text.ok()) return text.status();
    json j = json::parse(*text, nullptr, false);
    if (!j.is_object() || !j.contains("verified") || !j["verified"].is_boolean()) {
      return absl::InvalidArgumentError(absl::StrCat(
          vfile, ": not a `minpriv verify --report` verdict (no boolean \"verified\")"));
    }
    Verification v;
    v.verified = j["verified"].get<bool>();
    v.file = "verification.json";
    if (j.contains("breaks") && j["breaks"].is_array()) {
      for (const json& b : j["breaks"]) {
        if (!b.is_object()) continue;
        v.breaks.push_back(absl::StrCat(Str(b, "kind"), " ", Str(b, "subject"), ": ", Str(b, "message")));
      }
    }
    e.verification = std::move(v);
  }
  return e;
}

std::string ReportSectionFor(const std::string& report_md, const std::string& kind,
                             const std::string& namespace_, const std::string& name) {
  const std::string heading = absl::StrCat(
      "## ", kind, " ", namespace_.empty() ? "" : absl::StrCat(namespace_, "/"), name);
  std::string out;
  bool in = false;
  for (absl::string_view line : absl::StrSplit(report_md, '\n')) {
    if (absl::StartsWith(line, "## ")) in = line == heading;
    if (in) absl::StrAppend(&out, line, "\n");
  }
  return out.empty() ? report_md : out;
}

}  // namespace minpriv::gitops
