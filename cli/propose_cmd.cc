// `minpriv propose`: profiles + manifests (+ inventory) → proposal directory.
// Options → Validate → Run. Exit kExitOk, kExitUsage for the user's mistakes (nothing written),
// kExitFailure otherwise (util/exit_codes.h).
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/commands.h"
#include "cli/propose_cmd.h"
#include "crd/profile_codec.h"
#include "remediator/proposer.h"
#include "util/files.h"
#include "util/exit_codes.h"

namespace minpriv::cli {
namespace {

CommandText ProposeText() {
  CommandText t;
  t.name = "minpriv propose";
  t.synopsis =
      "minpriv propose --profile FILE [--profile FILE...] --manifest FILE [--manifest FILE...]\n"
      "                       [--inventory FILE] --out-dir DIR [--force]\n"
      "                       [--seccomp observed|reachable]";
  t.description =
      "Turns learned WorkloadProfiles and the workloads' manifests into a proposal directory:\n"
      "narrowed.yaml, patch.yaml, jsonpatch.json, kustomization.yaml, networkpolicy.yaml,\n"
      "seccomp/*.json, seccompprofiles.yaml, report.md and summary.json.";
  t.flag_column = 20;
  t.rest = CommandText::Rest::kNothing;
  t.error_hint = "; see 'minpriv propose --help'";
  return t;
}

// CLI11 reports a failed check as "FLAG: <what this returns>".
CLI::Validator NonEmpty() {
  return CLI::Validator(
      [](std::string& value) { return value.empty() ? std::string("needs a non-empty value") : ""; },
      "", "NON-EMPTY");
}

}  // namespace

std::unique_ptr<CommandLine> ProposeCommandLine(ProposeOptions* o) {
  auto cl = std::make_unique<CommandLine>(ProposeText());
  cl->AddRepeated("--profile", &o->profiles, "FILE",
                  "WorkloadProfile YAML (repeatable; several profiles of one workload,\n"
                  "e.g. of its replicas, are merged: whatever any of them saw is allowed)")
      ->check(NonEmpty());
  cl->AddRepeated("--manifest", &o->manifests, "FILE",
                  "multi-document Kubernetes YAML (repeatable)")
      ->check(NonEmpty());
  cl->AddValue("--inventory", &o->inventory, "FILE",
               "`kubectl get pods,services,namespaces -A -o yaml` output, to resolve\n"
               "peer addresses to workloads in NetworkPolicies")
      ->check(NonEmpty());
  cl->AddValue("--out-dir", &o->out_dir, "DIR",
               "written all or nothing; must not exist or be empty unless --force")
      ->check(NonEmpty());
  cl->AddSwitch("--force", &o->force, "replace an existing DIR (atomically)");
  cl->AddValue("--seccomp", &o->seccomp, "MODE",
               "observed: allow what learning observed plus the runtime's needs;\n"
               "reachable (default): also what the executed binaries import from the\n"
               "C library (profiles learned with reachability), so paths learning\n"
               "did not take keep working")
      ->check(CLI::IsMember({"observed", "reachable"}));
  return cl;
}

absl::StatusOr<ProposeOptions> ParseProposeFlags(int argc, char** argv) {
  ProposeOptions o;
  auto cl = ProposeCommandLine(&o);
  if (absl::Status s = cl->Parse(argc, argv); !s.ok()) return s;
  o.help = cl->help_requested();
  return o;
}

std::string ProposeHelp() {
  ProposeOptions unused;
  return ProposeCommandLine(&unused)->Help();
}

namespace {

absl::Status Validate(const ProposeOptions& opts) {
  if (opts.profiles.empty()) return absl::InvalidArgumentError("at least one --profile FILE is required");
  if (opts.manifests.empty()) return absl::InvalidArgumentError("at least one --manifest FILE is required");
  if (opts.out_dir.empty()) return absl::InvalidArgumentError("--out-dir DIR is required");
  return absl::OkStatus();
}

absl::Status Run(const ProposeOptions& opts) {
  std::vector<remediator::ProfileInput> profiles;
  for (const auto& path : opts.profiles) {
    auto p = crd::ReadWorkloadProfileFile(path);
    if (!p.ok()) return p.status();
    if (!p->status.complete) {
      // Narrowing to an incomplete profile can break the workload: say so where it is seen,
      // not only in report.md.
      std::fprintf(stderr,
                   "minpriv propose: warning: %s: profile '%s' is incomplete (%s); the proposal "
                   "may lack what learning missed: learn again or review report.md\n",
                   path.c_str(), p->name.c_str(),
                   p->status.incomplete_reasons.empty()
                       ? "no reason given"
                       : absl::StrJoin(p->status.incomplete_reasons, "; ").c_str());
    }
    profiles.push_back({path, *std::move(p)});
  }
  std::vector<remediator::ManifestInput> manifests;
  for (const auto& path : opts.manifests) {
    auto text = util::ReadFile(path);
    if (!text.ok()) return text.status();
    manifests.push_back({path, *std::move(text)});
  }
  remediator::Inventory inventory;
  if (!opts.inventory.empty()) {
    auto text = util::ReadFile(opts.inventory);
    if (!text.ok()) return text.status();
    auto inv = remediator::ParseInventory(*text, opts.inventory);
    if (!inv.ok()) return inv.status();
    inventory = *std::move(inv);
  }
  remediator::ProposeOptions propose_options;
  propose_options.seccomp = opts.seccomp == "observed" ? remediator::SeccompMode::kObserved
                                                       : remediator::SeccompMode::kReachable;
  auto proposal = remediator::Propose(profiles, manifests, inventory, propose_options);
  if (!proposal.ok()) return proposal.status();
  auto files = remediator::RenderProposal(*proposal);
  if (auto s = remediator::WriteProposalDir(files, opts.out_dir, opts.force); !s.ok()) return s;
  size_t containers = 0;
  for (const auto& w : proposal->workloads) containers += w.containers.size();
  std::fprintf(stdout, "minpriv propose: %zu workload(s), %zu container(s) narrowed; wrote %zu files to %s\n",
               proposal->workloads.size(), containers, files.size(), opts.out_dir.c_str());
  return absl::OkStatus();
}

}  // namespace

int RunPropose(int argc, char** argv) {
  absl::StatusOr<ProposeOptions> opts = ParseProposeFlags(argc, argv);
  if (opts.ok() && opts->help) {
    std::fputs(ProposeHelp().c_str(), stdout);
    return util::kExitOk;
  }
  absl::Status s = opts.ok() ? Validate(*opts) : opts.status();
  if (!s.ok()) {
    std::fprintf(stderr, "minpriv propose: %s\n\n%s", std::string(s.message()).c_str(),
                 ProposeHelp().c_str());
    return util::kExitUsage;
  }
  s = Run(*opts);
  if (!s.ok()) {
    std::fprintf(stderr, "minpriv propose: %s\n", std::string(s.message()).c_str());
    // propose reads and writes only the user's paths: a permission error is theirs to fix.
    return util::ExitCodeFor(s, util::PermissionDenied::kUserInput);
  }
  return util::kExitOk;
}

}  // namespace minpriv::cli
