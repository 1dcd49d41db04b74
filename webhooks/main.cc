// Standalone `minpriv-webhook` with exactly the flags of `minpriv webhook` (the subcommand
// wires the same RunWebhookServer).
#include <cstdio>

#include "webhooks/webhook_server.h"

int main(int argc, char** argv) {
  bool help = false;
  absl::StatusOr<minpriv::webhooks::WebhookOptions> options =
      minpriv::webhooks::ParseWebhookFlags(argc, argv, &help);
  if (help) {
    std::fputs(minpriv::webhooks::kWebhookUsage, stdout);
    return 0;
  }
  if (!options.ok()) {
    std::fprintf(stderr, "minpriv webhook: %s\n", std::string(options.status().message()).c_str());
    return 2;
  }
  absl::Status s = minpriv::webhooks::RunWebhookServer(*options);
  if (!s.ok()) {
    std::fprintf(stderr, "minpriv webhook: %s\n", std::string(s.message()).c_str());
    return absl::IsInvalidArgument(s) || absl::IsNotFound(s) || absl::IsUnimplemented(s) ? 2 : 1;
  }
  return 0;
}
