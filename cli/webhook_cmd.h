// `minpriv webhook`'s command line: its flags and usage, defined in one place.
#ifndef MINPRIV_CLI_WEBHOOK_CMD_H_
#define MINPRIV_CLI_WEBHOOK_CMD_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cli/command_line.h"
#include "webhooks/webhook_server.h"

namespace minpriv::cli {

// The flags of `minpriv webhook`, each defined once with its help text, bound to *options
// (which must outlive the result).
std::unique_ptr<CommandLine> WebhookCommandLine(webhooks::WebhookOptions* options);

// Parses flags (argv[0] is the subcommand name); *help is set for -h/--help.
absl::StatusOr<webhooks::WebhookOptions> ParseWebhookFlags(int argc, char** argv, bool* help);

// `minpriv webhook --help`, generated from WebhookCommandLine's definitions.
std::string WebhookHelp();

}  // namespace minpriv::cli

#endif  // MINPRIV_CLI_WEBHOOK_CMD_H_
