// Every command's flags through the one CLI11 adapter: both value forms, single-value flags
// given twice, unknown flags, stray arguments, missing values, durations, and help generated
// from the same definitions (checked by walking CLI11's options, so help and definitions
// cannot drift apart). The binary's exit codes for the same mistakes at the end.
#include "cli/command_line.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/demo_flags.h"
#include "cli/dispatch.h"
#include "cli/learn_cmd.h"
#include "cli/propose_cmd.h"
#include "cli/verify_cmd.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "util/exit_codes.h"

namespace minpriv::cli {
namespace {

using ::testing::HasSubstr;

// argv for a parser: the command's name, then `args`.
class Argv {
 public:
  Argv(const std::string& command, std::vector<std::string> args) : args_(std::move(args)) {
    args_.insert(args_.begin(), command);
    for (auto& a : args_) ptrs_.push_back(a.data());
  }
  int argc() { return static_cast<int>(ptrs_.size()); }
  char** argv() { return ptrs_.data(); }

 private:
  std::vector<std::string> args_;
  std::vector<char*> ptrs_;
};

// Parses `args` with the subcommand's parser; the error's message, or "" on success.
std::string ErrorOf(const std::string& command, std::vector<std::string> args) {
  Argv a(command, std::move(args));
  absl::Status s;
  if (command == "learn") s = ParseLearnFlags(a.argc(), a.argv()).status();
  if (command == "verify") s = ParseVerifyFlags(a.argc(), a.argv()).status();
  if (command == "propose") s = ParseProposeFlags(a.argc(), a.argv()).status();
  if (command == "demo") s = ParseDemoFlags(a.argc(), a.argv()).status();
  if (!s.ok()) {
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_EQ(util::ExitCodeFor(s), util::kExitUsage) << s;
  }
  return std::string(s.message());
}

// ---- the adapter on its own (these moved here with the flag parsing from util/) ----

struct Sub {
  std::string out, n;
  std::vector<std::string> tags;
  bool keep = false;
  std::unique_ptr<CommandLine> cl;
  absl::Status Parse(std::vector<std::string> args) {
    Argv a("sub", std::move(args));
    return cl->Parse(a.argc(), a.argv());
  }
};

// --out and --n take a value (--n refuses "bad"), --tag repeats, --keep is a switch.
std::unique_ptr<Sub> MakeSub(CommandText::Rest rest = CommandText::Rest::kCommand) {
  auto s = std::make_unique<Sub>();
  CommandText t;
  t.name = "sub";
  t.rest = rest;
  t.error_hint = "; see --help";
  s->cl = std::make_unique<CommandLine>(t);
  s->cl->AddValue("--out", &s->out, "FILE", "out");
  Sub* self = s.get();
  s->cl->AddParsed("--n", "N", "n", [self](const std::string& v) {
    if (v == "bad") return absl::InvalidArgumentError("--n: bad");
    self->n = v;
    return absl::OkStatus();
  });
  s->cl->AddRepeated("--tag", &s->tags, "TAG", "tag");
  s->cl->AddSwitch("--keep", &s->keep, "keep");
  return s;
}

TEST(ParseFlagsTest, ValuesSwitchesHelpAndCommand) {
  auto s = MakeSub();
  ASSERT_TRUE(s->Parse({"--out", "a", "--keep", "--n=2", "-h", "--", "cmd", "--out", "x"}).ok());
  EXPECT_EQ(s->out, "a");
  EXPECT_TRUE(s->keep);
  EXPECT_EQ(s->n, "2");
  EXPECT_EQ(s->cl->command(), (std::vector<std::string>{"cmd", "--out", "x"}));
  EXPECT_TRUE(s->cl->help_requested());
}

TEST(ParseFlagsTest, ErrorsInOrder) {
  EXPECT_EQ(MakeSub()->Parse({"--bogus"}).message(), "unknown flag '--bogus'; see --help");
  EXPECT_EQ(MakeSub()->Parse({"--keep=1"}).message(), "unknown flag '--keep'; see --help");
  EXPECT_EQ(MakeSub()->Parse({"stray"}).message(),
            "unexpected argument 'stray'; put the workload command after '--'");
  EXPECT_EQ(MakeSub()->Parse({"--out"}).message(), "--out needs a value");
  // The first error wins: a bad value before an unknown flag.
  EXPECT_EQ(MakeSub()->Parse({"--n", "bad", "--bogus"}).message(), "--n: bad");
}

TEST(ParseFlagsTest, SingleValueFlagGivenTwiceIsAnError) {
  auto s = MakeSub();
  absl::Status st = s->Parse({"--out", "a", "--out", "b"});
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "flag --out given twice; give it once");
  EXPECT_NE(s->out, "b");  // the second never applies
  EXPECT_EQ(MakeSub()->Parse({"--out=a", "--out=a"}).message(), "flag --out given twice; give it once");
  // Repeatable flags and switches may repeat; flags after "--" belong to the command.
  s = MakeSub();
  ASSERT_TRUE(s->Parse({"--tag", "x", "--tag=y", "--keep", "--keep", "--out", "o", "--", "cmd",
                        "--out", "z"})
                  .ok());
  EXPECT_EQ(s->tags, (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(s->keep);
  EXPECT_EQ(s->out, "o");
  EXPECT_EQ(s->cl->command(), (std::vector<std::string>{"cmd", "--out", "z"}));
}

TEST(ParseFlagsTest, WithoutACommandDashDashAndBareArgumentsAreErrors) {
  auto s = MakeSub(CommandText::Rest::kNothing);
  EXPECT_EQ(s->Parse({"--out", "a", "--", "cmd"}).message(), "unexpected argument '--'; see --help");
  EXPECT_EQ(MakeSub(CommandText::Rest::kNothing)->Parse({"stray"}).message(),
            "unexpected argument 'stray'; see --help");
  EXPECT_TRUE(s->cl->command().empty());
}

TEST(ParseDurationFlagTest, PositiveFiniteOnly) {
  auto parse = [](const std::string& value, absl::Duration* d) {
    CommandLine cl(CommandText{});
    cl.AddDuration("--grace", d, nullptr, "grace");
    Argv a("sub", {"--grace", value});
    return cl.Parse(a.argc(), a.argv());
  };
  absl::Duration d;
  ASSERT_TRUE(parse("1500ms", &d).ok());
  EXPECT_EQ(d, absl::Milliseconds(1500));
  for (const char* bad : {"0s", "-1s", "inf", "soon"}) {
    absl::Status s = parse(bad, &d);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(s.message(), absl::StrCat("--grace: '", bad,
                                        "' is not a positive duration; write it like 30s, 2m or 1h"));
  }
}

// ---- every command's flags ----

TEST(CommandLineTest, SingleValueFlagGivenTwiceIsRejectedNamingIt) {
  struct Case {
    std::string command;
    std::vector<std::string> args;
    std::string flag;
  };
  for (const Case& c : std::vector<Case>{
           {"learn", {"--out", "/a", "--out=/b"}, "--out"},
           {"learn", {"--grace", "1s", "--grace", "2s"}, "--grace"},
           {"verify", {"--expect-exit", "1", "--expect-exit=2"}, "--expect-exit"},
           {"verify", {"--report", "/a", "--report", "/b", "--", "x"}, "--report"},
           {"propose", {"--inventory", "a", "--inventory", "b"}, "--inventory"},
           {"demo", {"--work-dir", "a", "--work-dir", "b"}, "--work-dir"},
       }) {
    EXPECT_EQ(ErrorOf(c.command, c.args), absl::StrCat("flag ", c.flag, " given twice; give it once"))
        << c.command;
  }
  // Repeatable flags collect every occurrence, in order.
  Argv learn("learn", {"--container", "a=/x", "--container=b=/y"});
  auto l = ParseLearnFlags(learn.argc(), learn.argv());
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->containers, (std::vector<std::pair<std::string, std::string>>{{"a", "/x"}, {"b", "/y"}}));
  Argv propose("propose", {"--profile", "p1", "--manifest=m1", "--profile=p2", "--manifest", "m2"});
  auto p = ParseProposeFlags(propose.argc(), propose.argv());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->profiles, (std::vector<std::string>{"p1", "p2"}));
  EXPECT_EQ(p->manifests, (std::vector<std::string>{"m1", "m2"}));
  // One value per occurrence: the next word is not a second value.
  EXPECT_EQ(ErrorOf("propose", {"--profile", "p1", "p2"}),
            "unexpected argument 'p2'; see 'minpriv propose --help'");
}

TEST(CommandLineTest, EqualsAndSeparateValueFormsAgree) {
  for (bool equals : {false, true}) {
    auto flag = [equals](const std::string& f, const std::string& v) {
      return equals ? std::vector<std::string>{f + "=" + v} : std::vector<std::string>{f, v};
    };
    auto join = [](std::vector<std::vector<std::string>> parts) {
      std::vector<std::string> out;
      for (auto& p : parts) out.insert(out.end(), p.begin(), p.end());
      return out;
    };
    Argv learn("learn", join({flag("--out", "/o.yaml"), flag("--name", "web"),
                              flag("--duration", "2m"), flag("--exercise", "curl -f x=1"),
                              flag("--ready-timeout", "5s"), flag("--grace", "1s"),
                              flag("--container", "web=/sys/fs/cgroup/w"), {"--", "cmd", "--out"}}));
    auto l = ParseLearnFlags(learn.argc(), learn.argv());
    ASSERT_TRUE(l.ok()) << l.status();
    EXPECT_EQ(l->out, "/o.yaml");
    EXPECT_EQ(l->name, "web");
    EXPECT_EQ(l->duration, absl::Minutes(2));
    EXPECT_TRUE(l->duration_set);
    EXPECT_EQ(l->exercise, "curl -f x=1");
    EXPECT_EQ(l->ready_timeout, absl::Seconds(5));
    EXPECT_EQ(l->grace, absl::Seconds(1));
    ASSERT_EQ(l->containers.size(), 1u);
    EXPECT_EQ(l->containers[0].second, "/sys/fs/cgroup/w");
    EXPECT_EQ(l->command, (std::vector<std::string>{"cmd", "--out"}));  // after "--": the command's

    Argv verify("verify", join({flag("--proposal", "/p"), flag("--expect-exit", "7"),
                                flag("--duration", "1h")}));
    auto v = ParseVerifyFlags(verify.argc(), verify.argv());
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ(v->proposal, "/p");
    EXPECT_EQ(v->expect_exit, 7);
    EXPECT_EQ(v->duration, absl::Hours(1));

    Argv propose("propose", join({flag("--out-dir", "/d"), flag("--inventory", "i.yaml")}));
    auto p = ParseProposeFlags(propose.argc(), propose.argv());
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->out_dir, "/d");
    EXPECT_EQ(p->inventory, "i.yaml");

    Argv demo("demo", flag("--work-dir", "/tmp/d"));
    auto d = ParseDemoFlags(demo.argc(), demo.argv());
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_EQ(d->work_dir, "/tmp/d");
    EXPECT_FALSE(d->help);
  }
}

TEST(CommandLineTest, MistakesNameTheFlagOrArgument) {
  EXPECT_EQ(ErrorOf("learn", {"--bogus", "--", "true"}), "unknown flag '--bogus'");
  EXPECT_EQ(ErrorOf("verify", {"--bogus=1"}), "unknown flag '--bogus'; see 'minpriv verify --help'");
  EXPECT_EQ(ErrorOf("propose", {"--bogus"}), "unknown flag '--bogus'; see 'minpriv propose --help'");
  EXPECT_EQ(ErrorOf("demo", {"--bogus"}), "unknown flag '--bogus'; see 'minpriv demo --help'");
  EXPECT_EQ(ErrorOf("learn", {"--out", "/o", "stray", "--", "true"}),
            "unexpected argument 'stray'; put the workload command after '--'");
  EXPECT_EQ(ErrorOf("propose", {"--force", "--", "x"}),
            "unexpected argument '--'; see 'minpriv propose --help'");
  EXPECT_EQ(ErrorOf("demo", {"somewhere"}), "unexpected argument 'somewhere'; see 'minpriv demo --help'");
  EXPECT_EQ(ErrorOf("verify", {"--proposal"}), "--proposal needs a value");
  EXPECT_EQ(ErrorOf("demo", {"--work-dir"}), "--work-dir needs a value");
  EXPECT_EQ(ErrorOf("learn", {"--grace", "0s"}),
            "--grace: '0s' is not a positive duration; write it like 30s, 2m or 1h");
  EXPECT_EQ(ErrorOf("verify", {"--ready-timeout=inf"}),
            "--ready-timeout: 'inf' is not a positive duration; write it like 30s, 2m or 1h");
  EXPECT_EQ(ErrorOf("verify", {"--expect-exit", "-1"}),
            "--expect-exit: '-1' is not an exit status; give a number 0..255");
  EXPECT_EQ(ErrorOf("propose", {"--out-dir="}), "--out-dir needs a value");
  EXPECT_EQ(ErrorOf("propose", {"--profile", ""}), "--profile: needs a non-empty value");
  EXPECT_THAT(ErrorOf("learn", {"--container", "web"}), HasSubstr("--container 'web': expected NAME=PATH"));
}

TEST(CommandLineTest, HelpFlagIsAnOrdinaryFlagOfEveryCommand) {
  for (const char* h : {"-h", "--help"}) {
    Argv learn("learn", {h});
    EXPECT_TRUE(ParseLearnFlags(learn.argc(), learn.argv())->help);
    Argv verify("verify", {"--proposal", "/p", h});
    EXPECT_TRUE(ParseVerifyFlags(verify.argc(), verify.argv())->help);
    Argv propose("propose", {h});
    EXPECT_TRUE(ParseProposeFlags(propose.argc(), propose.argv())->help);
    Argv demo("demo", {h});
    EXPECT_TRUE(ParseDemoFlags(demo.argc(), demo.argv())->help);
  }
}

// Each flag CLI11 knows, with its value's name and its description, appears in the help.
void ExpectHelpListsEveryFlag(const CommandLine& cl, const std::string& what) {
  const std::string help = cl.Help();
  std::vector<const CLI::Option*> options = cl.app().get_options();
  ASSERT_FALSE(options.empty()) << what;
  for (const CLI::Option* opt : options) {
    for (const std::string& l : opt->get_lnames()) {
      std::string shown = "--" + l;
      if (opt->get_type_size() > 0) absl::StrAppend(&shown, " ", opt->get_type_name());
      EXPECT_THAT(help, HasSubstr(shown)) << what;
    }
    for (const std::string& s : opt->get_snames()) EXPECT_THAT(help, HasSubstr("-" + s)) << what;
    ASSERT_FALSE(opt->get_description().empty()) << what << " " << opt->get_name();
    for (absl::string_view line : absl::StrSplit(opt->get_description(), '\n')) {
      EXPECT_THAT(help, HasSubstr(std::string(line))) << what << " " << opt->get_name();
    }
  }
}

TEST(CommandLineTest, HelpListsEveryFlagOfEveryCommand) {
  session::LearnOptions learn;
  ExpectHelpListsEveryFlag(*LearnCommandLine(&learn), "learn");
  verifier::VerifyOptions verify;
  ExpectHelpListsEveryFlag(*VerifyCommandLine(&verify), "verify");
  ProposeOptions propose;
  ExpectHelpListsEveryFlag(*ProposeCommandLine(&propose), "propose");
  DemoOptions demo;
  ExpectHelpListsEveryFlag(*DemoCommandLine(&demo), "demo");
  EXPECT_THAT(DemoHelp(), HasSubstr("usage: minpriv demo [--work-dir DIR]\n"));

  std::vector<Subcommand> subcommands = {{"alpha", "first\nsecond line", nullptr},
                                         {"beta", "third", nullptr}};
  bool version = false;
  auto main = MainCommandLine(subcommands, &version);
  ExpectHelpListsEveryFlag(*main, "minpriv");
  // Listed in order, each summary's lines aligned; `help` and `version` are not listed.
  EXPECT_THAT(main->Help(), HasSubstr("commands:\n  alpha  first\n         second line\n"
                                      "  beta   third\n\nflags:\n"));
}

// The seen argv of the fake subcommand.
std::vector<std::string>* seen = nullptr;
int FakeRun(int argc, char** argv) {
  seen->assign(argv, argv + argc);
  return 42;
}

TEST(CommandLineTest, DispatchRunsTheNamedSubcommandWithItsArguments) {
  std::vector<std::string> args;
  seen = &args;
  std::vector<Subcommand> subcommands = {{"run", "runs", FakeRun}};
  auto dispatch = [&](std::vector<std::string> argv) {
    Argv a("minpriv", std::move(argv));
    return Dispatch(subcommands, a.argc(), a.argv());
  };
  EXPECT_EQ(dispatch({"run", "--bogus", "x", "--", "y"}), 42);
  EXPECT_EQ(args, (std::vector<std::string>{"run", "--bogus", "x", "--", "y"}));
  for (const char* help : {"-h", "--help", "help", "--version", "version"}) {
    EXPECT_EQ(dispatch({help, "ignored"}), util::kExitOk) << help;
  }
  for (const char* unknown : {"walk", "--bogus", "--", "-x"}) {
    EXPECT_EQ(dispatch({unknown}), util::kExitUsage) << unknown;
  }
  EXPECT_EQ(dispatch({}), util::kExitUsage);
  seen = nullptr;
}

// The binary: a mistake in the command line exits 2 naming the flag; help exits 0 on stdout.
TEST(CommandLineTest, BinaryExitsTwoOnMistakesAndZeroOnHelp) {
  test::TempDir dir;
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string err;
  };
  for (const Case& c : std::vector<Case>{
           {{"learn", "--bogus", "--", "true"}, util::kExitUsage, "minpriv learn: unknown flag '--bogus'"},
           {{"verify", "--frob=1"}, util::kExitUsage, "minpriv verify: unknown flag '--frob'"},
           {{"propose", "--x"}, util::kExitUsage, "minpriv propose: unknown flag '--x'"},
           {{"demo", "--bogus"}, util::kExitUsage, "minpriv demo: unknown flag '--bogus'"},
           {{"demo", "--work-dir"}, util::kExitUsage, "minpriv demo: --work-dir needs a value"},
           {{"demo", "--work-dir=a", "--work-dir", "b"}, util::kExitUsage,
            "minpriv demo: flag --work-dir given twice; give it once"},
           {{"--bogus"}, util::kExitUsage, "minpriv: unknown command '--bogus'"},
           {{}, util::kExitUsage, "usage: minpriv COMMAND [FLAGS]"},
       }) {
    test::RunResult r = test::RunMinpriv(c.args, dir.path(), "mistake");
    EXPECT_EQ(r.exit_code, c.code) << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.err));
  }
  struct Help {
    std::vector<std::string> args;
    std::string out;
  };
  for (const Help& h : std::vector<Help>{{{"learn", "-h"}, LearnHelp()},
                                         {{"verify", "--help"}, VerifyHelp()},
                                         {{"propose", "--help"}, ProposeHelp()},
                                         {{"demo", "--help"}, DemoHelp()}}) {
    test::RunResult r = test::RunMinpriv(h.args, dir.path(), "help");
    EXPECT_EQ(r.exit_code, util::kExitOk) << r.err;
    EXPECT_EQ(r.out, h.out);
  }
  test::RunResult r = test::RunMinpriv({"--version"}, dir.path(), "version");
  EXPECT_EQ(r.exit_code, util::kExitOk);
  EXPECT_EQ(r.out, std::string(kVersion) + "\n");
}

}  // namespace
}  // namespace minpriv::cli
