#include "verifier/seed_replay.h"

#include <sys/wait.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "util/process.h"

namespace minpriv::verifier {

absl::Status SeedLikeInitContainers(const PodTemplate& pod, const std::string& volume,
                                    const std::string& host_dir, const std::string& root,
                                    std::vector<std::string>& notes) {
  for (const Container& c : pod.init_containers) {
    std::string at;
    for (const VolumeMount& m : c.volume_mounts) {
      if (m.name == volume) at = m.mount_path;
    }
    if (at.empty()) continue;
    std::vector<std::string> argv = c.command;
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    const bool seeding = argv.size() == 4 && argv[0] == "cp" && argv[1] == "-a" &&
                         absl::EndsWith(argv[2], "/.") && argv[2].front() == '/' &&
                         (argv[3] == at || argv[3] == at + "/");
    if (!seeding) {
      notes.push_back(absl::StrCat("init container ", c.name, " writes into emptyDir ", volume,
                                   " and is not replayed: the volume starts empty"));
      continue;
    }
    const std::string from = (root == "/" ? "" : root) + argv[2];
    auto cp = util::Process::Spawn({"cp", "-a", from, host_dir + "/"});
    if (!cp.ok()) return cp.status();
    int st = cp->Wait();
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "init container ", c.name, " seeds emptyDir ", volume, " from ", argv[2],
          ", which could not be copied (", util::DescribeWaitStatus(st), ")"));
    }
    notes.push_back(absl::StrCat("emptyDir ", volume, " seeded with ", argv[2],
                                 " as init container ", c.name, " does"));
  }
  return absl::OkStatus();
}

}  // namespace minpriv::verifier
