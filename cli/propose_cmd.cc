// `minpriv propose`: profiles + manifests (+ inventory) → proposal directory.
// Options → Validate → Run. Exit 0 ok, 2 for the user's mistakes (nothing written), 1 otherwise.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/commands.h"
#include "crd/profile_codec.h"
#include "remediator/proposer.h"
#include "util/files.h"
#include "util/flags.h"

namespace minpriv::cli {
namespace {

constexpr char kProposeUsage[] =
    "usage: minpriv propose --profile FILE [--profile FILE...] --manifest FILE [--manifest FILE...]\n"
    "                       [--inventory FILE] --out-dir DIR [--force]\n"
    "\n"
    "Turns learned WorkloadProfiles and the workloads' manifests into a proposal directory:\n"
    "narrowed.yaml, patch.yaml, jsonpatch.json, kustomization.yaml, networkpolicy.yaml,\n"
    "seccomp/*.json, seccompprofiles.yaml, report.md and summary.json.\n"
    "\n"
    "  --profile FILE    WorkloadProfile YAML (repeatable; several profiles of one workload,\n"
    "                    e.g. of its replicas, are merged: whatever any of them saw is allowed)\n"
    "  --manifest FILE   multi-document Kubernetes YAML (repeatable)\n"
    "  --inventory FILE  `kubectl get pods,services,namespaces -A -o yaml` output, to resolve\n"
    "                    peer addresses to workloads in NetworkPolicies\n"
    "  --out-dir DIR     written all or nothing; must not exist or be empty unless --force\n"
    "  --force           replace an existing DIR (atomically)\n";

struct ProposeOptions {
  std::vector<std::string> profiles;
  std::vector<std::string> manifests;
  std::string inventory;
  std::string out_dir;
  bool force = false;
  bool help = false;
};

absl::Status ParseFlags(int argc, char** argv, ProposeOptions& opts) {
  const util::FlagSpec spec = {{"--profile", "--manifest", "--inventory", "--out-dir"},
                               {"--force"},
                               "; see 'minpriv propose --help'",
                               /*repeatable=*/{"--profile", "--manifest"},
                               /*takes_command=*/false};
  auto on_flag = [&opts](const std::string& flag, const std::string& value) -> absl::Status {
    if (flag == "--force") {
      opts.force = true;
      return absl::OkStatus();
    }
    if (value.empty()) return absl::InvalidArgumentError(absl::StrCat(flag, " needs a non-empty value"));
    if (flag == "--profile") {
      opts.profiles.push_back(value);
    } else if (flag == "--manifest") {
      opts.manifests.push_back(value);
    } else if (flag == "--inventory") {
      opts.inventory = value;
    } else if (flag == "--out-dir") {
      opts.out_dir = value;
    }
    return absl::OkStatus();
  };
  std::vector<std::string> command;  // stays empty: takes_command is false
  return util::ParseFlags(argc, argv, spec, on_flag, &command, &opts.help);
}

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
  auto proposal = remediator::Propose(profiles, manifests, inventory);
  if (!proposal.ok()) return proposal.status();
  auto files = remediator::RenderProposal(*proposal);
  if (auto s = remediator::WriteProposalDir(files, opts.out_dir, opts.force); !s.ok()) return s;
  size_t containers = 0;
  for (const auto& w : proposal->workloads) containers += w.containers.size();
  std::fprintf(stdout, "minpriv propose: %zu workload(s), %zu container(s) narrowed; wrote %zu files to %s\n",
               proposal->workloads.size(), containers, files.size(), opts.out_dir.c_str());
  return absl::OkStatus();
}

// A permission error on an input file is the user's to fix: exit 2 like other input errors.
int ExitCode(const absl::Status& s) {
  if (s.code() == absl::StatusCode::kPermissionDenied) return 2;
  return util::ExitCodeFor(s);
}

}  // namespace

int RunPropose(int argc, char** argv) {
  ProposeOptions opts;
  absl::Status s = ParseFlags(argc, argv, opts);
  if (s.ok() && opts.help) {
    std::fputs(kProposeUsage, stdout);
    return 0;
  }
  if (s.ok()) s = Validate(opts);
  if (!s.ok()) {
    std::fprintf(stderr, "minpriv propose: %s\n\n%s", std::string(s.message()).c_str(), kProposeUsage);
    return 2;
  }
  s = Run(opts);
  if (!s.ok()) {
    std::fprintf(stderr, "minpriv propose: %s\n", std::string(s.message()).c_str());
    return ExitCode(s);
  }
  return 0;
}

}  // namespace minpriv::cli
