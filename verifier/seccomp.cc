#include "verifier/seccomp.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "util/json_parse.h"

namespace minpriv::verifier {

namespace {

using nlohmann::json;
using Pointer = json::json_pointer;

// A value of the right syntax but the wrong type or content, where it is.
struct FieldError {
  Pointer at;
  std::string message;
};

[[noreturn]] void Fail(const Pointer& at, std::string message) {
  throw FieldError{at, std::move(message)};
}

const std::set<std::string>& KnownActions() {
  static const std::set<std::string> actions = {
      "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
      "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE",        "SCMP_ACT_ALLOW",       "SCMP_ACT_LOG",
      "SCMP_ACT_NOTIFY"};
  return actions;
}

// The member `key` of an object, or null when it has none.
const json* Member(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string String(const json& v, const Pointer& at, const std::string& what) {
  if (!v.is_string()) Fail(at, absl::StrCat(what, " must be a string"));
  return v.get<std::string>();
}

// The strings of a list (null: none).
std::vector<std::string> Strings(const json& v, const Pointer& at, const std::string& what) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  if (!v.is_array()) Fail(at, absl::StrCat(what, " must be a list of strings"));
  for (size_t i = 0; i < v.size(); ++i) out.push_back(String(v[i], at / i, what));
  return out;
}

std::string Action(const json& v, const Pointer& at) {
  if (!v.is_string()) Fail(at, "action must be a string such as SCMP_ACT_ALLOW");
  std::string a = v.get<std::string>();
  if (!KnownActions().count(a)) {
    Fail(at, absl::StrCat("unknown seccomp action ", a, "; use one of ",
                          absl::StrJoin(KnownActions(), ", ")));
  }
  return a;
}

// A number, or a string holding one (decimal, 0x hex or 0 octal).
uint64_t U64(const json& v, const Pointer& at, const char* what) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return v.get<uint64_t>();
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    try {
      size_t pos = 0;
      unsigned long long n = std::stoull(s, &pos, 0);
      if (pos == s.size() && !s.empty() && s[0] != '-') return n;
    } catch (const std::exception&) {
    }
  }
  Fail(at, absl::StrCat(what, " must be a non-negative integer"));
}

std::string Strip(std::string cap) {
  if (absl::StartsWith(cap, "CAP_")) cap = cap.substr(4);
  return cap;
}

// Docker's includes/excludes: {"caps": [...], "arches": [...], "minKernel": ...}.
bool ConditionHolds(const json* cond, const Pointer& at, const std::set<std::string>& caps,
                    bool all) {
  if (cond == nullptr || !cond->is_object()) return all;  // no condition
  if (const json* c = Member(*cond, "caps")) {
    for (const auto& cap : Strings(*c, at / "caps", "caps")) {
      bool has = caps.count(Strip(cap)) > 0;
      if (all && !has) return false;
      if (!all && has) return true;
    }
  }
  if (const json* a = Member(*cond, "arches")) {
    for (const auto& s : Strings(*a, at / "arches", "arches")) {
      bool match = s == "amd64" || s == "x86_64" || s == "SCMP_ARCH_X86_64";
      if (all && !match) return false;
      if (!all && match) return true;
    }
  }
  return all;
}

SeccompRule Rule(const json& r, const Pointer& at) {
  SeccompRule rule;
  if (const json* names = Member(r, "names")) {
    if (!names->is_array()) Fail(at / "names", "names must be a list of syscall names");
    rule.names = Strings(*names, at / "names", "names");
  }
  if (const json* name = Member(r, "name")) rule.names.push_back(String(*name, at / "name", "name"));
  if (rule.names.empty()) Fail(at, "a syscalls rule needs names");
  const json* action = Member(r, "action");
  if (action == nullptr) Fail(at, "a syscalls rule needs an action");
  rule.action = Action(*action, at / "action");
  if (const json* e = Member(r, "errnoRet")) {
    rule.errno_ret = static_cast<uint32_t>(U64(*e, at / "errnoRet", "errnoRet"));
  }
  if (const json* args = Member(r, "args"); args != nullptr && !args->is_null()) {
    if (!args->is_array()) Fail(at / "args", "args must be a list");
    for (size_t i = 0; i < args->size(); ++i) {
      const json& a = (*args)[i];
      Pointer arg_at = at / "args" / i;
      if (!a.is_object() || !a.contains("index") || !a.contains("op")) {
        Fail(arg_at, "an args entry needs index, value and op");
      }
      SeccompArg arg;
      arg.index = static_cast<uint32_t>(U64(a["index"], arg_at / "index", "index"));
      if (const json* v = Member(a, "value")) arg.value = U64(*v, arg_at / "value", "value");
      if (const json* v = Member(a, "valueTwo")) {
        arg.value_two = U64(*v, arg_at / "valueTwo", "valueTwo");
      }
      arg.op = String(a["op"], arg_at / "op", "op");
      rule.args.push_back(arg);
    }
  }
  return rule;
}

SeccompProfile Profile(const json& root, const std::set<std::string>& caps) {
  const Pointer top;
  SeccompProfile p;
  if (!root.is_object()) Fail(top, "a seccomp profile must be a JSON object");
  const json* default_action = Member(root, "defaultAction");
  if (default_action == nullptr) {
    Fail(top, "seccomp profile without defaultAction; add \"defaultAction\": \"SCMP_ACT_ERRNO\"");
  }
  p.default_action = Action(*default_action, top / "defaultAction");
  if (const json* n = Member(root, "defaultErrnoRet")) {
    p.default_errno_ret = static_cast<uint32_t>(U64(*n, top / "defaultErrnoRet", "defaultErrnoRet"));
  }
  if (const json* n = Member(root, "architectures")) {
    p.architectures = Strings(*n, top / "architectures", "architectures");
  } else if (const json* m = Member(root, "archMap"); m != nullptr && m->is_array()) {
    for (size_t i = 0; i < m->size(); ++i) {
      const json& entry = (*m)[i];
      if (!entry.is_object() || !entry.contains("architecture")) continue;
      Pointer at = top / "archMap" / i;
      if (String(entry["architecture"], at / "architecture", "architecture") != "SCMP_ARCH_X86_64") {
        continue;
      }
      p.architectures.push_back("SCMP_ARCH_X86_64");
      if (const json* subs = Member(entry, "subArchitectures")) {
        for (auto& s : Strings(*subs, at / "subArchitectures", "subArchitectures")) {
          p.architectures.push_back(std::move(s));
        }
      }
    }
  }
  if (const json* n = Member(root, "flags")) p.flags = Strings(*n, top / "flags", "flags");
  if (const json* n = Member(root, "syscalls")) {
    if (!n->is_array()) Fail(top / "syscalls", "syscalls must be a list of rules");
    for (size_t i = 0; i < n->size(); ++i) {
      const json& r = (*n)[i];
      Pointer at = top / "syscalls" / i;
      if (!r.is_object()) Fail(at, "a syscalls rule must be an object with names and action");
      if (!ConditionHolds(Member(r, "includes"), at / "includes", caps, /*all=*/true)) continue;
      const json* excludes = Member(r, "excludes");
      if (excludes != nullptr && excludes->is_object() && !excludes->empty() &&
          ConditionHolds(excludes, at / "excludes", caps, /*all=*/false)) {
        continue;
      }
      p.syscalls.push_back(Rule(r, at));
    }
  }
  return p;
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

absl::StatusOr<SeccompProfile> ParseSeccompProfile(std::string_view text,
                                                   std::string_view source,
                                                   const std::vector<std::string>& capabilities) {
  std::set<std::string> caps;
  for (const auto& c : capabilities) caps.insert(Strip(c));
  auto root = util::ParseJson(text, source);
  if (!root.ok()) return root.status();
  try {
    return Profile(*root, caps);
  } catch (const FieldError& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(util::JsonWhere(text, source, e.at), ": ", e.message));
  }
}

nlohmann::json SeccompToOci(const SeccompProfile& profile) {
  nlohmann::json out;
  out["defaultAction"] = profile.default_action;
  if (profile.default_errno_ret) out["defaultErrnoRet"] = *profile.default_errno_ret;
  if (!profile.architectures.empty()) out["architectures"] = profile.architectures;
  if (!profile.flags.empty()) out["flags"] = profile.flags;
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& r : profile.syscalls) {
    nlohmann::json rule;
    rule["names"] = r.names;
    rule["action"] = r.action;
    if (r.errno_ret) rule["errnoRet"] = *r.errno_ret;
    if (!r.args.empty()) {
      nlohmann::json args = nlohmann::json::array();
      for (const auto& a : r.args) {
        nlohmann::json arg;
        arg["index"] = a.index;
        arg["value"] = a.value;
        if (a.value_two) arg["valueTwo"] = a.value_two;
        arg["op"] = a.op;
        args.push_back(std::move(arg));
      }
      rule["args"] = std::move(args);
    }
    rules.push_back(std::move(rule));
  }
  out["syscalls"] = std::move(rules);
  return out;
}

}  // namespace minpriv::verifier
