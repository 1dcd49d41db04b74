// Subcommands of the `minpriv` binary. Each parses its own flags (Options), validates them
// and runs; each returns the process exit code (util/exit_codes.h).
#ifndef MINPRIV_CLI_COMMANDS_H_
#define MINPRIV_CLI_COMMANDS_H_

namespace minpriv::cli {

// argv[0] is the subcommand name; flags follow.
int RunLearn(int argc, char** argv);
int RunPropose(int argc, char** argv);
int RunVerify(int argc, char** argv);
int RunDemo(int argc, char** argv);
int RunWebhook(int argc, char** argv);
int RunController(int argc, char** argv);
int RunAgent(int argc, char** argv);
int RunPr(int argc, char** argv);  // pr_cmd_main.cc

}  // namespace minpriv::cli

#endif  // MINPRIV_CLI_COMMANDS_H_
