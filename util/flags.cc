#include "util/flags.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace minpriv::util {

absl::Status ParseDurationFlag(const std::string& flag, const std::string& value,
                               absl::Duration* out) {
  absl::Duration d;
  if (!absl::ParseDuration(value, &d) || d <= absl::ZeroDuration() ||
      d == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": '", value, "' is not a positive duration; write it like 30s, 2m or 1h"));
  }
  *out = d;
  return absl::OkStatus();
}

absl::Status ParseFlags(
    int argc, char** argv, const FlagSpec& spec,
    const std::function<absl::Status(const std::string& flag, const std::string& value)>& on_flag,
    std::vector<std::string>* command, bool* help) {
  auto listed = [](const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  std::vector<std::string> given;  // single-value flags seen so far
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--" && spec.takes_command) {
      for (int j = i + 1; j < argc; ++j) command->push_back(argv[j]);
      break;
    }
    if (arg == "-h" || arg == "--help") {
      *help = true;
      continue;
    }
    if (listed(spec.switches, arg)) {
      if (absl::Status s = on_flag(arg, ""); !s.ok()) return s;
      continue;
    }
    if (!absl::StartsWith(arg, "--") || arg == "--") {
      return absl::InvalidArgumentError(
          spec.takes_command
              ? absl::StrCat("unexpected argument '", arg,
                             "'; put the workload command after '--'")
              : absl::StrCat("unexpected argument '", arg, "'", spec.unknown_flag_hint));
    }
    std::string flag = arg, value;
    bool has_value = false;
    if (size_t eq = arg.find('='); eq != std::string::npos) {
      flag = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    if (!listed(spec.value_flags, flag)) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag '", flag, "'", spec.unknown_flag_hint));
    }
    if (!has_value) {
      if (i + 1 >= argc) return absl::InvalidArgumentError(absl::StrCat(flag, " needs a value"));
      value = argv[++i];
    }
    if (!listed(spec.repeatable, flag)) {
      if (listed(given, flag)) {
        return absl::InvalidArgumentError(
            absl::StrCat("flag ", flag, " given twice; give it once"));
      }
      given.push_back(flag);
    }
    if (absl::Status s = on_flag(flag, value); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace minpriv::util
