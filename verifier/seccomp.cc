#include "verifier/seccomp.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace minpriv::verifier {

namespace {

struct FieldError {
  YAML::Mark mark;
  std::string message;
};

[[noreturn]] void Fail(const YAML::Node& node, std::string message) {
  throw FieldError{node.Mark(), std::move(message)};
}

const std::set<std::string>& KnownActions() {
  static const std::set<std::string> actions = {
      "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
      "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE",        "SCMP_ACT_ALLOW",       "SCMP_ACT_LOG",
      "SCMP_ACT_NOTIFY"};
  return actions;
}

std::string Action(const YAML::Node& node) {
  if (!node.IsScalar()) Fail(node, "action must be a string such as SCMP_ACT_ALLOW");
  std::string a = node.Scalar();
  if (!KnownActions().count(a)) {
    Fail(node, absl::StrCat("unknown seccomp action ", a, "; use one of ",
                            absl::StrJoin(KnownActions(), ", ")));
  }
  return a;
}

uint64_t U64(const YAML::Node& node, const char* what) {
  if (node.IsScalar()) {
    const std::string& s = node.Scalar();
    try {
      size_t pos = 0;
      unsigned long long v = std::stoull(s, &pos, 0);
      if (pos == s.size() && !s.empty() && s[0] != '-') return v;
    } catch (const std::exception&) {
    }
  }
  Fail(node, absl::StrCat(what, " must be a non-negative integer"));
}

std::string Strip(std::string cap) {
  if (absl::StartsWith(cap, "CAP_")) cap = cap.substr(4);
  return cap;
}

// Docker's includes/excludes: {"caps": [...], "arches": [...], "minKernel": ...}.
bool ConditionHolds(const YAML::Node& cond, const std::set<std::string>& caps, bool all) {
  if (!cond || !cond.IsMap()) return all;  // no condition
  if (auto c = cond["caps"]) {
    for (const auto& cap : c) {
      bool has = caps.count(Strip(cap.as<std::string>())) > 0;
      if (all && !has) return false;
      if (!all && has) return true;
    }
  }
  if (auto a = cond["arches"]) {
    for (const auto& arch : a) {
      std::string s = arch.as<std::string>();
      bool match = s == "amd64" || s == "x86_64" || s == "SCMP_ARCH_X86_64";
      if (all && !match) return false;
      if (!all && match) return true;
    }
  }
  return all;
}

}  // namespace

bool IsAllowingAction(std::string_view action) {
  return action == "SCMP_ACT_ALLOW" || action == "SCMP_ACT_LOG";
}

bool SeccompProfile::Allows(std::string_view syscall) const {
  bool named = false;
  for (const auto& rule : syscalls) {
    if (std::find(rule.names.begin(), rule.names.end(), syscall) == rule.names.end()) continue;
    named = true;
    if (IsAllowingAction(rule.action)) return true;
  }
  return !named && IsAllowingAction(default_action);
}

std::vector<std::string> SeccompProfile::AllowedNames() const {
  std::set<std::string> out;
  for (const auto& rule : syscalls) {
    if (!IsAllowingAction(rule.action)) continue;
    out.insert(rule.names.begin(), rule.names.end());
  }
  return {out.begin(), out.end()};
}

absl::StatusOr<SeccompProfile> ParseSeccompProfile(std::string_view json,
                                                   std::string_view source_view,
                                                   const std::vector<std::string>& capabilities) {
  const std::string source(source_view);
  std::set<std::string> caps;
  for (const auto& c : capabilities) caps.insert(Strip(c));
  SeccompProfile p;
  try {
    YAML::Node root = YAML::Load(std::string(json));
    if (!root.IsMap()) Fail(root, "a seccomp profile must be a JSON object");
    if (!root["defaultAction"]) {
      Fail(root, "seccomp profile without defaultAction; add \"defaultAction\": \"SCMP_ACT_ERRNO\"");
    }
    p.default_action = Action(root["defaultAction"]);
    if (auto n = root["defaultErrnoRet"]) {
      p.default_errno_ret = static_cast<uint32_t>(U64(n, "defaultErrnoRet"));
    }
    if (auto n = root["architectures"]) {
      for (const auto& a : n) p.architectures.push_back(a.as<std::string>());
    } else if (auto n = root["archMap"]) {
      for (const auto& entry : n) {
        if (!entry["architecture"]) continue;
        if (entry["architecture"].as<std::string>() != "SCMP_ARCH_X86_64") continue;
        p.architectures.push_back("SCMP_ARCH_X86_64");
        if (auto subs = entry["subArchitectures"]) {
          for (const auto& s : subs) p.architectures.push_back(s.as<std::string>());
        }
      }
    }
    if (auto n = root["flags"]) {
      for (const auto& f : n) p.flags.push_back(f.as<std::string>());
    }
    if (auto n = root["syscalls"]) {
      if (!n.IsSequence()) Fail(n, "syscalls must be a list of rules");
      for (const auto& r : n) {
        if (!r.IsMap()) Fail(r, "a syscalls rule must be an object with names and action");
        if (!ConditionHolds(r["includes"], caps, /*all=*/true)) continue;
        if (r["excludes"] && r["excludes"].IsMap() && r["excludes"].size() > 0 &&
            ConditionHolds(r["excludes"], caps, /*all=*/false)) {
          continue;
        }
        SeccompRule rule;
        if (auto names = r["names"]) {
          if (!names.IsSequence()) Fail(names, "names must be a list of syscall names");
          for (const auto& nm : names) rule.names.push_back(nm.as<std::string>());
        }
        if (auto name = r["name"]) rule.names.push_back(name.as<std::string>());
        if (rule.names.empty()) Fail(r, "a syscalls rule needs names");
        if (!r["action"]) Fail(r, "a syscalls rule needs an action");
        rule.action = Action(r["action"]);
        if (auto e = r["errnoRet"]) rule.errno_ret = static_cast<uint32_t>(U64(e, "errnoRet"));
        if (auto args = r["args"]; args && !args.IsNull()) {
          if (!args.IsSequence()) Fail(args, "args must be a list");
          for (const auto& a : args) {
            SeccompArg arg;
            if (!a["index"] || !a["op"]) Fail(a, "an args entry needs index, value and op");
            arg.index = static_cast<uint32_t>(U64(a["index"], "index"));
            if (a["value"]) arg.value = U64(a["value"], "value");
            if (a["valueTwo"]) arg.value_two = U64(a["valueTwo"], "valueTwo");
            arg.op = a["op"].as<std::string>();
            rule.args.push_back(arg);
          }
        }
        p.syscalls.push_back(std::move(rule));
      }
    }
  } catch (const FieldError& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ":", e.mark.line + 1, ":", e.mark.column + 1, ": ", e.message));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(source, ":", e.mark.line + 1, ":",
                                                   e.mark.column + 1, ": invalid JSON: ", e.msg,
                                                   "; fix the syntax"));
  }
  return p;
}

Json SeccompToOci(const SeccompProfile& profile) {
  Json out;
  out["defaultAction"] = profile.default_action;
  if (profile.default_errno_ret) out["defaultErrnoRet"] = *profile.default_errno_ret;
  if (!profile.architectures.empty()) {
    out["architectures"] = Json::StringArray(profile.architectures);
  }
  if (!profile.flags.empty()) out["flags"] = Json::StringArray(profile.flags);
  Json rules = Json::Array();
  for (const auto& r : profile.syscalls) {
    Json rule;
    rule["names"] = Json::StringArray(r.names);
    rule["action"] = r.action;
    if (r.errno_ret) rule["errnoRet"] = *r.errno_ret;
    if (!r.args.empty()) {
      Json args = Json::Array();
      for (const auto& a : r.args) {
        Json arg;
        arg["index"] = a.index;
        arg["value"] = a.value;
        if (a.value_two) arg["valueTwo"] = a.value_two;
        arg["op"] = a.op;
        args.Push(std::move(arg));
      }
      rule["args"] = std::move(args);
    }
    rules.Push(std::move(rule));
  }
  out["syscalls"] = std::move(rules);
  return out;
}

}  // namespace minpriv::verifier
