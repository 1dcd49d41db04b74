// What backs each volume of a replay in its bundle (volume_sources.h).
#include "verifier/volume_sources.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "verifier/seed_replay.h"

namespace minpriv::verifier {

absl::Status PrepareVolumeSources(Bundle& bundle, SpecInputs& in, const std::string& seed_root,
                                  std::vector<std::string>& seed_notes) {
  int64_t fs_group = in.pod.security_context.fs_group.value_or(-1);
  for (const auto& vm : in.container.volume_mounts) {
    for (const auto& v : in.pod.volumes) {
      if (v.name == vm.name && v.type == Volume::Type::kHostPath &&
          in.host_paths == HostPathMode::kScratch && !in.host_path_sources.count(v.name)) {
        bool file = v.host_path_type == "File" || v.host_path_type == "FileOrCreate";
        auto scratch = bundle.AddScratch(v.name, file && vm.sub_path.empty());
        if (!scratch.ok()) return scratch.status();
        in.host_path_sources[v.name] = *scratch;
        if (!vm.sub_path.empty()) mkdir(absl::StrCat(*scratch, "/", vm.sub_path).c_str(), 0777);
      }
      if (v.name == vm.name && v.type == Volume::Type::kPlaceholder &&
          !in.placeholder_sources.count(v.name)) {
        auto dir = bundle.AddPlaceholder(v.name, v.keys);
        if (!dir.ok()) return dir.status();
        in.placeholder_sources[v.name] = *dir;
      }
      if (v.name != vm.name || v.type != Volume::Type::kEmptyDir || v.memory_medium) continue;
      if (in.empty_dir_sources.count(v.name)) continue;
      auto dir = bundle.AddEmptyDir(v.name, fs_group);
      if (!dir.ok()) return dir.status();
      in.empty_dir_sources[v.name] = *dir;
      if (absl::Status seeded = SeedLikeInitContainers(in.pod, v.name, *dir, seed_root, seed_notes);
          !seeded.ok()) {
        return seeded;
      }
      if (!vm.sub_path.empty()) {
        std::string sub = absl::StrCat(*dir, "/", vm.sub_path);
        mkdir(sub.c_str(), 0777);
        chmod(sub.c_str(), 0777);
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace minpriv::verifier
