// Small helpers for the subcommands' flag parsing.
#ifndef MINPRIV_UTIL_FLAGS_H_
#define MINPRIV_UTIL_FLAGS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace minpriv::util {

// A positive, finite duration such as 30s, 2m or 1h for `flag`; InvalidArgument otherwise
// ("FLAG: 'VALUE' is not a positive duration; write it like 30s, 2m or 1h").
absl::Status ParseDurationFlag(const std::string& flag, const std::string& value,
                               absl::Duration* out);

// The flags a subcommand takes, for ParseFlags.
struct FlagSpec {
  std::vector<std::string> value_flags;  // --flag VALUE or --flag=VALUE
  std::vector<std::string> switches;     // --flag alone
  std::string unknown_flag_hint;         // appended to "unknown flag 'F'"
  // Value flags that may be given more than once (each occurrence reaches on_flag); any
  // other value flag given twice is an error ("flag --out given twice").
  std::vector<std::string> repeatable;
  // False for a subcommand that runs no command: "--" and bare arguments are errors.
  bool takes_command = true;
};

// Walks argv[1..argc) of "SUBCOMMAND [FLAGS] [-- COMMAND...]": calls `on_flag(flag, value)`
// for each flag in order (value empty for a switch) and stops at its first error; -h and
// --help set *help; whatever follows "--" goes to *command. InvalidArgument for an
// argument that is not a flag, an unknown flag, a flag without its value, or a value flag
// not in spec.repeatable given twice ("flag --out given twice; give it once").
absl::Status ParseFlags(
    int argc, char** argv, const FlagSpec& spec,
    const std::function<absl::Status(const std::string& flag, const std::string& value)>& on_flag,
    std::vector<std::string>* command, bool* help);

}  // namespace minpriv::util

#endif  // MINPRIV_UTIL_FLAGS_H_
