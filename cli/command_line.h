// The one adapter to CLI11 (the flags library of every `minpriv` command). A command defines
// each flag once, with its help text; its usage and help are generated from those same
// definitions; parsing turns CLI11's exceptions into absl::Status naming the flag, so no
// exception leaves this file.
//
//   --flag VALUE and --flag=VALUE; a single-value flag given twice is an error ("flag --out
//   given twice; give it once"); repeatable flags collect every value; -h/--help asks for
//   the help; whatever follows "--" is the workload's command (for a command that takes one).
#ifndef MINPRIV_CLI_COMMAND_LINE_H_
#define MINPRIV_CLI_COMMAND_LINE_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace minpriv::cli {

// What a command's help says besides its flags.
struct CommandText {
  std::string name;         // "minpriv learn"
  // After "usage: ", one line per form, continuation lines indented by hand.
  std::string synopsis;
  std::string description;  // the paragraphs after the synopsis
  std::string footer;       // after the flags, e.g. the exit statuses
  std::size_t flag_column = 24;  // where a flag's description starts
  // What the command line holds besides flags.
  enum class Rest {
    kNothing,      // "--" and bare arguments are errors
    kCommand,      // "-- CMD [ARG...]": the workload's command
    kCommandName,  // the `minpriv` binary itself: one argument naming a subcommand
  };
  Rest rest = Rest::kNothing;
  std::string error_hint;  // appended to "unknown flag 'F'", e.g. "; see 'minpriv verify --help'"
};

class CommandLine {
 public:
  explicit CommandLine(CommandText text);
  CommandLine(const CommandLine&) = delete;
  CommandLine& operator=(const CommandLine&) = delete;

  // The definitions; each returns CLI11's option for any further setting. `value_name` is
  // what the help shows after the flag (FILE, DUR, ...).
  // A flag with one value, given at most once.
  CLI::Option* AddValue(const std::string& flag, std::string* out, const std::string& value_name,
                        const std::string& help);
  // A flag with one value, turned into the option by `parse`: given at most once, or, when
  // `repeatable`, once per occurrence in order. The message of `parse`'s error is the
  // user's as it is (it should name the flag).
  CLI::Option* AddParsed(const std::string& flag, const std::string& value_name,
                         const std::string& help,
                         std::function<absl::Status(const std::string& value)> parse,
                         bool repeatable = false);
  // A flag with one value per occurrence that may be given again; the values in order.
  CLI::Option* AddRepeated(const std::string& flag, std::vector<std::string>* out,
                           const std::string& value_name, const std::string& help);
  // A flag without a value.
  CLI::Option* AddSwitch(const std::string& flag, bool* out, const std::string& help);
  // A positive, finite duration such as 30s, 2m or 1h, given at most once ("FLAG: 'VALUE' is
  // not a positive duration; write it like 30s, 2m or 1h"); *given (if not null) becomes true.
  CLI::Option* AddDuration(const std::string& flag, absl::Duration* out, bool* given,
                           const std::string& help);
  // A subcommand of the `minpriv` binary (Rest::kCommandName), listed under "commands:"
  // unless `listed` is false (e.g. `help`, `version`).
  void AddCommand(const std::string& name, const std::string& summary, bool listed = true);

  // Parses argv[1..argc) (argv[0] is the command's name). InvalidArgument names the flag or
  // argument at fault: unknown flag, unexpected argument, missing value, a single-value flag
  // given twice, a value the flag's parser refused.
  absl::Status Parse(int argc, char** argv);
  bool help_requested() const { return help_; }
  // After "--" (Rest::kCommand).
  const std::vector<std::string>& command() const { return command_; }
  // The subcommand named (Rest::kCommandName); empty when none was.
  std::string command_name() const;

  // The help, generated from the definitions.
  std::string Help() const;
  const CLI::App& app() const { return app_; }

 private:
  std::string DescribeParseError(const CLI::ParseError& e) const;
  std::string DescribeExtra(const std::string& arg) const;

  CommandText text_;
  CLI::App app_;
  bool help_ = false;
  std::vector<std::string> command_;
};

}  // namespace minpriv::cli

#endif  // MINPRIV_CLI_COMMAND_LINE_H_
