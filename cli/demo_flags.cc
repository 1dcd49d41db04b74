#include "cli/demo_flags.h"

namespace minpriv::cli {

std::unique_ptr<CommandLine> DemoCommandLine(DemoOptions* o) {
  CommandText t;
  t.name = "minpriv demo";
  t.synopsis = "minpriv demo [--work-dir DIR]";
  t.description =
      "Learns the bundled sample service (shopfront), proposes least privilege for its\n"
      "manifest, verifies the proposal under runc, and shows that a misbehaving variant is\n"
      "rejected. Artefacts go to DIR (default ./minpriv-demo), replaced on each run.";
  t.flag_column = 20;
  t.rest = CommandText::Rest::kNothing;
  t.error_hint = "; see 'minpriv demo --help'";
  auto cl = std::make_unique<CommandLine>(std::move(t));
  cl->AddValue("--work-dir", &o->work_dir, "DIR",
               "where the artefacts go (default ./minpriv-demo); a directory that\n"
               "an earlier demo did not make is left alone");
  return cl;
}

absl::StatusOr<DemoOptions> ParseDemoFlags(int argc, char** argv) {
  DemoOptions o;
  auto cl = DemoCommandLine(&o);
  if (absl::Status s = cl->Parse(argc, argv); !s.ok()) return s;
  o.help = cl->help_requested();
  return o;
}

std::string DemoHelp() {
  DemoOptions unused;
  return DemoCommandLine(&unused)->Help();
}

}  // namespace minpriv::cli
