#include "cli/command_line.h"

#include <algorithm>
#include <memory>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace minpriv::cli {
namespace {

// "-h, --help", "--out FILE": a flag's names and, for a flag with a value, the value's name.
std::string FlagNames(const CLI::Option& opt) {
  std::vector<std::string> names;
  for (const std::string& s : opt.get_snames()) names.push_back("-" + s);
  for (const std::string& l : opt.get_lnames()) names.push_back("--" + l);
  std::string text;
  for (const std::string& n : names) absl::StrAppend(&text, text.empty() ? "" : ", ", n);
  if (opt.get_type_size() > 0) absl::StrAppend(&text, " ", opt.get_type_name());
  return text;
}

bool IsHelp(const CLI::Option& opt) {
  const auto& l = opt.get_lnames();
  return std::find(l.begin(), l.end(), "help") != l.end();
}

// The help of one command, from its CLI11 definitions and its CommandText: the synopsis,
// the description, the subcommands (for the binary), every flag with its description (help
// last), the footer.
class HelpFormatter : public CLI::FormatterBase {
 public:
  explicit HelpFormatter(const CommandText* text) : text_(text) {}

  std::string make_help(const CLI::App* app, std::string, CLI::AppFormatMode) const override {
    std::ostringstream out;
    const std::string usage = absl::StrCat("usage: ", text_->synopsis, "\n");
    const bool dispatches = text_->rest == CommandText::Rest::kCommandName;
    if (dispatches) {
      out << text_->description << "\n\n" << usage;
    } else {
      out << usage;
      if (!text_->description.empty()) out << "\n" << text_->description << "\n";
    }
    if (dispatches) {
      std::vector<const CLI::App*> listed =
          app->get_subcommands([](const CLI::App* sub) { return !sub->get_group().empty(); });
      std::size_t width = 0;
      for (const CLI::App* sub : listed) width = std::max(width, sub->get_name().size());
      out << "\ncommands:\n";
      for (const CLI::App* sub : listed) {
        CLI::detail::format_help(out, sub->get_name(), sub->get_description(), width + 4);
      }
    }
    std::vector<const CLI::Option*> flags = app->get_options();
    std::stable_partition(flags.begin(), flags.end(),
                          [](const CLI::Option* opt) { return !IsHelp(*opt); });
    out << "\n" << (dispatches ? "flags:\n" : "");
    for (const CLI::Option* opt : flags) {
      CLI::detail::format_help(out, FlagNames(*opt), opt->get_description(), text_->flag_column);
    }
    if (!text_->footer.empty()) out << "\n" << text_->footer << "\n";
    return out.str();
  }

 private:
  const CommandText* text_;
};

// A positive, finite duration (absl::ParseDuration: 30s, 2m, 1h, 1h30m, 1.5s, ...).
bool ParsePositiveDuration(const std::string& value, absl::Duration* out) {
  absl::Duration d;
  if (!absl::ParseDuration(value, &d) || d <= absl::ZeroDuration() ||
      d == absl::InfiniteDuration()) {
    return false;
  }
  *out = d;
  return true;
}

// CLI11 reports a failed check as "FLAG: <what this returns>".
CLI::Validator PositiveDuration() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        absl::Duration ignored;
        if (ParsePositiveDuration(value, &ignored)) return "";
        return absl::StrCat("'", value, "' is not a positive duration; write it like 30s, 2m or 1h");
      },
      "", "DURATION");
}

}  // namespace

CommandLine::CommandLine(CommandText text) : text_(std::move(text)), app_("", text_.name) {
  app_.set_help_flag();  // ours is an ordinary flag: a mistake elsewhere still wins over it
  app_.allow_extras();   // unknown flags and stray arguments: our messages (DescribeExtra)
  app_.formatter(std::make_shared<HelpFormatter>(&text_));
  app_.add_flag("-h,--help", help_, "show this help and exit")->disable_flag_override();
}

CLI::Option* CommandLine::AddValue(const std::string& flag, std::string* out,
                                   const std::string& value_name, const std::string& help) {
  return app_.add_option(flag, *out, help)
      ->type_name(value_name)
      ->multi_option_policy(CLI::MultiOptionPolicy::Throw);
}

CLI::Option* CommandLine::AddParsed(const std::string& flag, const std::string& value_name,
                                    const std::string& help,
                                    std::function<absl::Status(const std::string&)> parse,
                                    bool repeatable) {
  CLI::callback_t apply = [parse = std::move(parse)](const CLI::results_t& values) {
    for (const std::string& value : values) {
      if (absl::Status s = parse(value); !s.ok()) throw CLI::ValidationError(std::string(s.message()));
    }
    return true;
  };
  return app_.add_option(flag, std::move(apply), help)
      ->type_name(value_name)
      ->expected(1)
      ->multi_option_policy(repeatable ? CLI::MultiOptionPolicy::TakeAll
                                       : CLI::MultiOptionPolicy::Throw);
}

CLI::Option* CommandLine::AddRepeated(const std::string& flag, std::vector<std::string>* out,
                                      const std::string& value_name, const std::string& help) {
  return app_.add_option(flag, *out, help)
      ->type_name(value_name)
      ->expected(1)  // one value per occurrence: `--profile a b` leaves b a stray argument
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

CLI::Option* CommandLine::AddSwitch(const std::string& flag, bool* out, const std::string& help) {
  return app_.add_flag(flag, *out, help)->disable_flag_override();  // --keep=1 is a mistake
}

CLI::Option* CommandLine::AddDuration(const std::string& flag, absl::Duration* out, bool* given,
                                      const std::string& help) {
  auto apply = [out, given](const std::string& value) {
    ParsePositiveDuration(value, out);  // checked by PositiveDuration() before
    if (given != nullptr) *given = true;
  };
  return app_.add_option_function<std::string>(flag, apply, help)
      ->type_name("DUR")
      ->check(PositiveDuration())
      ->multi_option_policy(CLI::MultiOptionPolicy::Throw);
}

void CommandLine::AddCommand(const std::string& name, const std::string& summary, bool listed) {
  CLI::App* sub = app_.add_subcommand(name, summary);
  if (!listed) sub->group("");
}

absl::Status CommandLine::Parse(int argc, char** argv) {
  help_ = false;
  command_.clear();
  std::vector<std::string> flags;
  bool dash_dash = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--" && text_.rest != CommandText::Rest::kCommandName) {
      dash_dash = true;
      if (text_.rest == CommandText::Rest::kCommand) command_.assign(argv + i + 1, argv + argc);
      break;
    }
    flags.push_back(std::move(arg));
  }
  std::vector<std::string> reversed(flags.rbegin(), flags.rend());  // as CLI11 takes them
  try {
    app_.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return absl::InvalidArgumentError(DescribeParseError(e));
  }
  std::vector<std::string> extras = app_.remaining();
  if (!extras.empty()) return absl::InvalidArgumentError(DescribeExtra(extras.front()));
  if (dash_dash && text_.rest == CommandText::Rest::kNothing) {
    return absl::InvalidArgumentError(DescribeExtra("--"));
  }
  return absl::OkStatus();
}

std::string CommandLine::command_name() const {
  for (const CLI::App* sub : app_.get_subcommands()) return sub->get_name();
  return "";
}

// Not app_.help(): after parsing, CLI11 would describe the subcommand named instead.
std::string CommandLine::Help() const {
  return app_.get_formatter()->make_help(&app_, "", CLI::AppFormatMode::Normal);
}

std::string CommandLine::DescribeParseError(const CLI::ParseError& e) const {
  const std::string what = e.what();
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) != nullptr) {
    // "NAME was given a disallowed flag override": a value given to a switch (--keep=1), a
    // flag by that name that takes no value.
    if (size_t at = what.find(" was given a disallowed flag override"); at != std::string::npos) {
      std::string name = what.substr(0, at);
      return DescribeExtra(absl::StartsWith(name, "-") ? name : "--" + name);
    }
    // "FLAG: At Most 1 required but received 2" or "FLAG: 1 required FILE missing".
    for (const CLI::Option* opt : app_.get_options()) {
      const std::string name = opt->get_name();
      if (!absl::StartsWith(what, name + ":")) continue;
      if (opt->count() > 1) return absl::StrCat("flag ", name, " given twice; give it once");
      return absl::StrCat(name, " needs a value");
    }
  }
  return what;  // a check's or a parser's own message, which names the flag
}

std::string CommandLine::DescribeExtra(const std::string& arg) const {
  switch (text_.rest) {
    case CommandText::Rest::kCommandName:
      return absl::StrCat("unknown command '", arg, "'");
    case CommandText::Rest::kCommand:
      if (absl::StartsWith(arg, "--")) break;
      return absl::StrCat("unexpected argument '", arg, "'; put the workload command after '--'");
    case CommandText::Rest::kNothing:
      if (absl::StartsWith(arg, "--") && arg != "--") break;
      return absl::StrCat("unexpected argument '", arg, "'", text_.error_hint);
  }
  return absl::StrCat("unknown flag '", arg.substr(0, arg.find('=')), "'", text_.error_hint);
}

}  // namespace minpriv::cli
