// The node observer's lifecycle: Create (a BpfObserver in node mode, its free list filled)
// → WatchRoot (the root in the kernel's `roots`, the cgroup socket hooks on it, its
// existing descendants tracked) → Poll/Drain → Detach.
#include <bpf/bpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "bpf/abi/events.h"
#include "observer/node_observer_impl.h"
#include "util/cgroup.h"

namespace minpriv::observer {

namespace {

constexpr uint32_t kMaxContainers = 1u << 20;

}  // namespace

absl::StatusOr<std::unique_ptr<NodeObserver>> NodeObserver::Create(
    const NodeOptions& options) {
  auto impl = NodeObserverImpl::Create(options);
  if (!impl.ok()) return impl.status();
  return std::unique_ptr<NodeObserver>(std::move(*impl));
}

absl::StatusOr<std::unique_ptr<NodeObserverImpl>> NodeObserverImpl::Create(
    const NodeOptions& options) {
  if (options.max_containers == 0 || options.max_containers > kMaxContainers) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_containers=", options.max_containers, " must be between 1 and ", kMaxContainers));
  }
  auto mount = util::CgroupV2Root();
  if (!mount.ok()) return mount.status();
  auto bpf = BpfObserver::CreateUnloaded();
  if (!bpf.ok()) return bpf.status();
  Options load;
  load.verify_mode = options.verify_mode;
  load.ring_buffer_bytes = options.ring_buffer_bytes;
  if (absl::Status s = (*bpf)->Load(load, NodeSizing{options.max_containers, true}); !s.ok()) {
    return s;
  }
  int queue = bpf_map__fd((*bpf)->skel()->maps.free_slots);
  for (uint32_t slot = 0; slot < options.max_containers; ++slot) {
    if (bpf_map_update_elem(queue, nullptr, &slot, BPF_ANY) != 0) {
      return absl::InternalError(absl::StrCat("filling the free slot list: ", strerror(errno)));
    }
  }
  auto node = std::make_unique<NodeObserverImpl>(std::move(*bpf), options, *mount);
  NodeObserverImpl* self = node.get();
  self->bpf_->SetCgroupRecordHandler(
      [self](const void* data, size_t size) { self->OnCgroupRecord(data, size); });
  return node;
}

NodeObserverImpl::NodeObserverImpl(std::unique_ptr<BpfObserver> bpf, const NodeOptions& options,
                                   std::string v2_mount)
    : bpf_(std::move(bpf)), options_(options), v2_mount_(std::move(v2_mount)) {}

absl::Status NodeObserverImpl::WatchRoot(const std::string& root, CgroupSinkFactory* factory) {
  if (!bpf_->skel()) return absl::FailedPreconditionError("node observer is detached");
  if (factory == nullptr) return absl::InvalidArgumentError("WatchRoot: null factory");
  std::string path = std::filesystem::path(root).lexically_normal().string();
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  std::string relative;
  if (path != v2_mount_) {
    absl::string_view rest = path;
    if (!absl::ConsumePrefix(&rest, v2_mount_ + "/")) {
      return absl::InvalidArgumentError(absl::StrCat(
          root, " is not below the cgroup v2 mount ", v2_mount_,
          " (give a cgroup v2 directory, e.g. ", v2_mount_, "/kubepods.slice)"));
    }
    relative = std::string(rest);
  }
  auto id = util::CgroupId(path);
  if (!id.ok()) return id.status();
  for (const Root& r : roots_) {
    if (r.path == path) return absl::AlreadyExistsError(absl::StrCat(path, " is already watched"));
  }
  if (roots_.size() >= MP_MAX_ROOTS) {
    return absl::ResourceExhaustedError(
        absl::StrCat("at most ", MP_MAX_ROOTS, " cgroup roots can be watched at once"));
  }
  uint64_t key = *id;
  uint32_t unused = 0;
  if (bpf_map__update_elem(bpf_->skel()->maps.roots, &key, sizeof(key), &unused, sizeof(unused),
                           BPF_ANY) != 0) {
    return absl::InternalError(absl::StrCat("adding root ", path, ": ", strerror(errno)));
  }
  roots_.push_back(Root{relative, path, factory});
  // Network hooks on the root run for every descendant.
  if (absl::Status s = bpf_->AttachCgroupPrograms(path); !s.ok()) return s;
  // The kernel tracks what is created from now on; what exists is tracked here (a cgroup
  // created meanwhile may be met twice: the kernel's record wins, see OnCreated).
  std::error_code ec;
  std::vector<std::string> existing;
  for (auto it = std::filesystem::recursive_directory_iterator(
           path, std::filesystem::directory_options::skip_permission_denied, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) existing.push_back(it->path().string());
  }
  std::sort(existing.begin(), existing.end());  // parents first, deterministic
  for (const std::string& dir : existing) {
    absl::Status s = TrackExisting(dir);
    if (!s.ok() && !absl::IsNotFound(s)) return s;  // gone meanwhile: fine
  }
  FreePendingSlots();
  return absl::OkStatus();
}

absl::Status NodeObserverImpl::TrackExisting(const std::string& path) {
  auto id = util::CgroupId(path);
  if (!id.ok()) return id.status();
  uint64_t key = *id;
  minpriv_bpf* skel = bpf_->skel();
  uint32_t slot = 0;
  if (tracked_.count(key) > 0 ||
      bpf_map__lookup_elem(skel->maps.cgroups, &key, sizeof(key), &slot, sizeof(slot), 0) == 0) {
    return absl::OkStatus();  // the kernel announced it (its record may be unread yet)
  }
  if (bpf_map_lookup_and_delete_elem(bpf_map__fd(skel->maps.free_slots), nullptr, &slot) != 0) {
    ++existing_full_;
    return absl::OkStatus();
  }
  // Already running: its runtime/workload boundary is in the past.
  const bool running = !util::CgroupProcs(path).empty();
  mp_workload w{};
  w.workload_id = key;
  w.last_uid = w.last_gid = 0xffffffffu;
  w.flags = running ? MP_WORKLOAD_RUNNING : 0;
  if (bpf_map__update_elem(skel->maps.workloads, &slot, sizeof(slot), &w, sizeof(w), BPF_ANY) !=
          0 ||
      bpf_map__update_elem(skel->maps.cgroups, &key, sizeof(key), &slot, sizeof(slot),
                           BPF_NOEXIST) != 0) {
    to_free_.push_back(ToFree{key, slot, false});  // the kernel took it meanwhile
    return absl::OkStatus();
  }
  CacheCgroup(key, slot);
  std::string relative = path.substr(std::min(path.size(), v2_mount_.size() + 1));
  if (Offer(key, slot, relative)) tracked_[key].exec_seen = running;
  return absl::OkStatus();
}

void NodeObserverImpl::CacheCgroup(uint64_t id, uint32_t slot) {
  // As the kernel's remember_cgroup: the first cache entry, else the second, when empty or
  // naming a cgroup its slot no longer holds.
  minpriv_bpf* skel = bpf_->skel();
  for (uint32_t idx : {mp_cgroup_cache_index(id), mp_cgroup_cache_index2(id)}) {
    mp_cgroup_slot entry{};
    if (bpf_map__lookup_elem(skel->maps.cgroup_cache, &idx, sizeof(idx), &entry, sizeof(entry),
                             0) != 0) {
      return;
    }
    mp_workload holder{};
    bool free = entry.cgroup_id == 0 ||
                bpf_map__lookup_elem(skel->maps.workloads, &entry.slot, sizeof(entry.slot),
                                     &holder, sizeof(holder), 0) != 0 ||
                holder.workload_id != entry.cgroup_id;
    if (free) {
      entry.cgroup_id = id;
      entry.slot = slot;
      bpf_map__update_elem(skel->maps.cgroup_cache, &idx, sizeof(idx), &entry, sizeof(entry),
                           BPF_ANY);
      return;
    }
  }
}

const NodeObserverImpl::Root* NodeObserverImpl::RootOf(const std::string& relative) const {
  const Root* best = nullptr;
  for (const Root& r : roots_) {
    bool below = r.relative.empty() ||
                 (relative.size() > r.relative.size() &&
                  relative.compare(0, r.relative.size(), r.relative) == 0 &&
                  relative[r.relative.size()] == '/');
    if (below && (best == nullptr || r.relative.size() > best->relative.size())) best = &r;
  }
  return best;
}

absl::Status NodeObserverImpl::Poll(absl::Duration timeout) {
  absl::Status s = bpf_->Poll(timeout);
  CollectOrphans();
  FreePendingSlots();
  return s;
}

absl::Status NodeObserverImpl::Drain() {
  absl::Status s = bpf_->Drain();
  CollectOrphans();
  FreePendingSlots();
  return s;
}

void NodeObserverImpl::SnapshotCounters() const {
  if (minpriv_bpf* skel = bpf_->skel()) {
    kernel_created_ = skel->bss->node_created;
    kernel_full_ = skel->bss->node_untracked_full;
  }
}

NodeStats NodeObserverImpl::GetStats() const {
  SnapshotCounters();
  NodeStats s;
  s.base = bpf_->GetStats();
  s.tracked = tracked_.size();
  s.capacity = options_.max_containers;
  s.untracked_full = kernel_full_ + existing_full_;
  s.created = kernel_created_;
  s.removed = removed_;
  return s;
}

void NodeObserverImpl::Detach() {
  if (!bpf_->skel()) return;
  detaching_ = true;  // the slots freed below must not attach it again
  sys_exit_link_.reset();
  bpf_->StopPrograms();  // the last records, removals included
  CollectOrphans();
  FreePendingSlots();
  SnapshotCounters();
  bpf_->FinishDetach();
}

absl::StatusOr<NodeObserverImpl::KernelUsage> NodeObserverImpl::KernelUsageForTest() {
  minpriv_bpf* skel = bpf_->skel();
  if (!skel) return absl::FailedPreconditionError("node observer is detached");
  KernelUsage u;
  int queue = bpf_map__fd(skel->maps.free_slots);
  std::vector<uint32_t> slots;
  uint32_t slot = 0;
  while (bpf_map_lookup_and_delete_elem(queue, nullptr, &slot) == 0) slots.push_back(slot);
  for (uint32_t s : slots) bpf_map_update_elem(queue, nullptr, &s, BPF_ANY);
  u.free_slots = slots.size();
  std::set<uint32_t> distinct;
  for (uint32_t s : slots) {
    if (s < options_.max_containers) distinct.insert(s);
  }
  u.distinct_free = distinct.size();
  auto count = [](bpf_map* map, size_t key_size) {
    std::vector<char> key(key_size), next(key_size);
    size_t n = 0;
    bool first = true;
    while (bpf_map__get_next_key(map, first ? nullptr : key.data(), next.data(), key_size) == 0) {
      first = false;
      key = next;
      ++n;
    }
    return n;
  };
  u.cgroups = count(skel->maps.cgroups, sizeof(uint64_t));
  u.seen = count(skel->maps.seen, sizeof(mp_seen_key));
  u.udp_convs = count(skel->maps.udp_convs, sizeof(udp_conv_key));
  for (uint32_t s = 0; s < options_.max_containers; ++s) {
    mp_workload w{};
    if (bpf_map__lookup_elem(skel->maps.workloads, &s, sizeof(s), &w, sizeof(w), 0) != 0) continue;
    bool bits = std::any_of(std::begin(w.syscalls), std::end(w.syscalls),
                            [](uint64_t word) { return word != 0; });
    if (w.workload_id != 0 || bits) ++u.workloads_in_use;
  }
  return u;
}

}  // namespace minpriv::observer
