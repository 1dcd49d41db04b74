// Watching a workload's cgroup: its id (and its descendants') in the in-kernel filter and
// the hot-path cache, a sink per workload, and the cgroup socket hooks attached to it (also
// used by the node observer, on its roots).
#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "bpf/abi/events.h"
#include "observer/bpf_observer.h"
#include "observer/program_loader.h"
#include "util/cgroup.h"

namespace minpriv::observer {

absl::Status BpfObserver::AddCgroupTree(const std::string& path, uint32_t slot) {
  auto id = util::CgroupId(path);
  if (!id.ok()) return id.status();
  uint64_t key = *id;
  if (bpf_map__update_elem(skel_->maps.cgroups, &key, sizeof(key), &slot, sizeof(slot),
                           BPF_ANY) != 0) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "cannot add cgroup ", path, " to the watch list: ", strerror(errno),
        " (at most ", MP_MAX_CGROUPS, " cgroups)"));
  }
  // Fill the hot-path cache entry if free, or refresh it if it is this cgroup's (a nested
  // Watch() moves a subtree to the new slot). Never evict another id: see events.h.
  uint32_t idx = mp_cgroup_cache_index(key);
  mp_cgroup_slot entry{};
  if (bpf_map__lookup_elem(skel_->maps.cgroup_cache, &idx, sizeof(idx), &entry, sizeof(entry),
                           0) == 0 &&
      (entry.cgroup_id == 0 || entry.cgroup_id == key)) {
    entry.cgroup_id = key;
    entry.slot = slot;
    if (bpf_map__update_elem(skel_->maps.cgroup_cache, &idx, sizeof(idx), &entry,
                             sizeof(entry), BPF_ANY) != 0) {
      return absl::InternalError(absl::StrCat("cgroup cache update: ", strerror(errno)));
    }
  }
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
    if (entry.is_directory(ec)) {
      // Cgroups that vanish meanwhile are fine to miss.
      absl::Status s = AddCgroupTree(entry.path().string(), slot);
      if (!s.ok() && !absl::IsNotFound(s)) return s;
    }
  }
  return absl::OkStatus();
}

absl::Status BpfObserver::Watch(const std::string& cgroup_path,
                                ObservationSink* sink) {
  if (!skel_) return absl::FailedPreconditionError("observer is detached");
  if (sink == nullptr) return absl::InvalidArgumentError("Watch: null sink");
  auto id = util::CgroupId(cgroup_path);
  if (!id.ok()) return id.status();
  if (sinks_.count(*id) > 0) {
    return absl::AlreadyExistsError(absl::StrCat(cgroup_path, " is already watched"));
  }
  if (next_slot_ >= MP_MAX_WORKLOADS) {
    return absl::ResourceExhaustedError(
        absl::StrCat("at most ", MP_MAX_WORKLOADS, " cgroups can be watched at once"));
  }
  uint32_t slot = next_slot_++;
  mp_workload w{};
  w.workload_id = *id;
  w.last_uid = w.last_gid = 0xffffffffu;
  if (bpf_map__update_elem(skel_->maps.workloads, &slot, sizeof(slot), &w, sizeof(w),
                           BPF_ANY) != 0) {
    return absl::InternalError(absl::StrCat("workloads map update: ", strerror(errno)));
  }
  sinks_[*id] = sink;
  cgroup_paths_[*id] = cgroup_path;
  if (absl::Status s = AddCgroupTree(cgroup_path, slot); !s.ok()) return s;
  return AttachCgroupPrograms(cgroup_path);
}

void BpfObserver::SetSink(uint64_t id, ObservationSink* sink, const std::string& cgroup_path) {
  sinks_[id] = sink;
  cgroup_paths_[id] = cgroup_path;
}

void BpfObserver::EraseSink(uint64_t id) {
  sinks_.erase(id);
  cgroup_paths_.erase(id);
}

absl::Status BpfObserver::AttachCgroupPrograms(const std::string& cgroup_path) {
  util::UniqueFd fd(open(cgroup_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) {
    return absl::NotFoundError(absl::StrCat("cannot open cgroup ", cgroup_path, ": ",
                                            strerror(errno)));
  }
  for (const ProgramInfo& info : Programs()) {
    if (!info.cgroup || disabled_.count(info.name) > 0) continue;
    // BPF links on cgroups are multi-attach: other programs on the cgroup keep working.
    bpf_link* link = bpf_program__attach_cgroup(Program(info.name), fd.get());
    if (link == nullptr) {
      int e = errno;
      if (info.optional) {
        warnings_.push_back(absl::StrCat("not observed in ", cgroup_path, ": ", info.what,
                                         " (attach failed: ", strerror(e), ")"));
        std::sort(warnings_.begin(), warnings_.end());
        continue;
      }
      return absl::FailedPreconditionError(absl::StrCat(
          "attaching ", info.what, " to ", cgroup_path, " failed: ", strerror(e)));
    }
    links_.emplace_back(link);
  }
  cgroup_fds_.push_back(std::move(fd));
  return absl::OkStatus();
}

}  // namespace minpriv::observer
