// The life of each tracked cgroup, from the kernel's MP_EV_CGROUP records (in ring order,
// on the polling thread): created (offered to its root's factory), first exec (the
// runtime/workload boundary), removed; and the freeing of slots: the final counts of the
// slot's facts to its sink, its `seen` and `udp_convs` entries deleted, its decoder facts
// forgotten, its `workloads` entry (syscall bitmap) zeroed, OnCgroupRemoved, and only then
// the slot back on the kernel's free list.
#include <bpf/bpf.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bpf/abi/events.h"
#include "observer/node_observer_impl.h"
#include "observer/program_loader.h"
#include "spdlog/spdlog.h"

namespace minpriv::observer {

namespace {

// Every (key, value) of the hash map `map`, read in batches (a map of 262,144 entries in
// 64 system calls rather than half a million).
template <typename K, typename V, typename F>
void ForEachEntry(bpf_map* map, F&& f) {
  constexpr uint32_t kChunk = 4096;
  int fd = bpf_map__fd(map);
  std::vector<K> keys(kChunk);
  std::vector<V> values(kChunk);
  uint64_t in = 0, out = 0;  // the kernel's batch token (a bucket number)
  bool first = true;
  for (;;) {
    uint32_t count = kChunk;
    int err = bpf_map_lookup_batch(fd, first ? nullptr : &in, &out, keys.data(), values.data(),
                                   &count, nullptr);
    if (err != 0 && errno != ENOENT) {
      spdlog::debug("batch lookup of {}: {}", bpf_map__name(map), strerror(errno));
      return;
    }
    for (uint32_t i = 0; i < count; ++i) f(keys[i], values[i]);
    if (err != 0) return;  // ENOENT: that was the last batch
    in = out;
    first = false;
  }
}

}  // namespace

void NodeObserverImpl::OnCgroupRecord(const void* data, size_t size) {
  if (size < sizeof(mp_cgroup_event)) return;
  const auto* ev = static_cast<const mp_cgroup_event*>(data);
  switch (ev->change) {
    case MP_CGROUP_CREATED: {
      if (size < sizeof(mp_cgroup_created_event)) return;
      const auto* created = static_cast<const mp_cgroup_created_event*>(data);
      size_t len = strnlen(created->path, std::min<size_t>(ev->path_len, MP_CGROUP_PATH_MAX));
      std::string path(created->path, len);
      while (!path.empty() && path.front() == '/') path.erase(0, 1);
      OnCreated(ev->cgroup_id, ev->slot, path);
      return;
    }
    case MP_CGROUP_REMOVED:
      OnRemoved(ev->cgroup_id);
      return;
    case MP_CGROUP_EXEC:
      OnExec(ev->cgroup_id, ev->hdr.ts_boot_ns);
      return;
  }
}

void NodeObserverImpl::OnCreated(uint64_t id, uint32_t slot, const std::string& relative) {
  auto it = tracked_.find(id);
  if (it != tracked_.end()) {
    // Found by WatchRoot's walk between its creation and its tracepoint: the kernel's slot
    // (in its maps now) replaces the one the walk gave it.
    if (it->second.slot != slot) to_free_.push_back(ToFree{id, it->second.slot, false});
    it->second.slot = slot;
    if (it->second.denials_watched) WriteDenialWatch(slot, id, true).IgnoreError();
    return;
  }
  Offer(id, slot, relative);
}

bool NodeObserverImpl::Offer(uint64_t id, uint32_t slot, const std::string& relative) {
  const Root* root = RootOf(relative);
  if (root == nullptr) {
    // The kernel's path names the cgroup from the hierarchy's root; ours differ when this
    // process runs in a cgroup namespace of its own.
    spdlog::warn("node observer: cgroup {} ('{}') is below no watched root as this process "
                 "sees the cgroup v2 hierarchy ({}): not tracked",
                 id, relative, v2_mount_);
  }
  ObservationSink* sink =
      root == nullptr ? nullptr : root->factory->OnCgroupCreated(id, relative);
  if (sink == nullptr) {
    // Declined: out of the filter now (unless it maps to another slot already), its slot
    // freed; its records meanwhile are counted as unattributed.
    uint32_t current = 0;
    bpf_map* cgroups = bpf_->skel()->maps.cgroups;
    if (bpf_map__lookup_elem(cgroups, &id, sizeof(id), &current, sizeof(current), 0) == 0 &&
        current == slot) {
      bpf_map__delete_elem(cgroups, &id, sizeof(id), 0);
    }
    to_free_.push_back(ToFree{id, slot, false});
    return false;
  }
  Tracked& t = tracked_[id];
  t.slot = slot;
  t.sink = sink;
  t.factory = root->factory;
  bpf_->SetSink(id, sink, root->path + relative.substr(root->relative.size()));
  if (options_.verify_mode && root->factory->WatchDenialsFromStart(id)) {
    if (absl::Status s = SetDenialWatch(id, true); !s.ok()) spdlog::warn("{}", s.ToString());
  }
  return true;
}

void NodeObserverImpl::OnRemoved(uint64_t id) {
  auto it = tracked_.find(id);
  if (it == tracked_.end()) return;  // declined: its slot is on its way back already
  for (const ToFree& f : to_free_) {
    if (f.id == id && f.removed) return;
  }
  to_free_.push_back(ToFree{id, it->second.slot, true});
}

void NodeObserverImpl::OnExec(uint64_t id, uint64_t ts_boot_ns) {
  auto it = tracked_.find(id);
  if (it == tracked_.end() || it->second.exec_seen) return;
  it->second.exec_seen = true;
  it->second.factory->OnWorkloadExec(id, bpf_->decoder().ToTime(ts_boot_ns));
}

void NodeObserverImpl::CollectOrphans() {
  minpriv_bpf* skel = bpf_->skel();
  if (!skel) return;
  uint64_t key = 0, next = 0;
  std::vector<uint64_t> ids;
  bool first = true;
  while (ids.size() < options_.max_containers &&
         bpf_map__get_next_key(skel->maps.orphans, first ? nullptr : &key, &next,
                               sizeof(next)) == 0) {
    first = false;
    key = next;
    ids.push_back(key);
  }
  for (uint64_t id : ids) {
    bpf_map__delete_elem(skel->maps.orphans, &id, sizeof(id), 0);
    OnRemoved(id);
  }
}

void NodeObserverImpl::FreePendingSlots() {
  minpriv_bpf* skel = bpf_->skel();
  if (to_free_.empty() || !skel) return;
  std::vector<ToFree> batch;
  batch.swap(to_free_);
  std::set<uint32_t> slots;
  for (const ToFree& f : batch) slots.insert(f.slot);
  // The slots stop matching any cgroup first (a declined cgroup may still run), so that no
  // new fact of theirs appears in the maps swept below.
  const mp_workload empty{};
  for (uint32_t slot : slots) {
    bpf_map__update_elem(skel->maps.workloads, &slot, sizeof(slot), &empty, sizeof(empty),
                         BPF_ANY);
    WriteDenialWatch(slot, 0, false).IgnoreError();
  }
  // The final counts of the removed cgroups' facts, then their dedup keys.
  std::vector<mp_seen_key> dead_seen;
  EventDecoder& decoder = bpf_->decoder();
  ForEachEntry<mp_seen_key, mp_seen_value>(
      skel->maps.seen, [&](const mp_seen_key& k, const mp_seen_value& v) {
        if (slots.count(k.slot & ~MP_SLOT_WORKLOAD_PHASE) == 0) return;
        decoder.ReportHits(k, v.hits);
        dead_seen.push_back(k);
      });
  for (const mp_seen_key& k : dead_seen) {
    bpf_map__delete_elem(skel->maps.seen, &k, sizeof(k), 0);
  }
  std::vector<udp_conv_key> dead_convs;
  ForEachEntry<udp_conv_key, uint32_t>(skel->maps.udp_convs,
                                       [&](const udp_conv_key& k, uint32_t) {
                                         if (slots.count(k.slot & ~MP_SLOT_WORKLOAD_PHASE) > 0) {
                                           dead_convs.push_back(k);
                                         }
                                       });
  for (const udp_conv_key& k : dead_convs) {
    bpf_map__delete_elem(skel->maps.udp_convs, &k, sizeof(k), 0);
  }
  for (uint32_t slot : slots) {
    decoder.ForgetSlot(slot);
    decoder.ForgetSlot(slot | MP_SLOT_WORKLOAD_PHASE);
  }
  for (const ToFree& f : batch) {
    if (!f.removed) continue;
    auto it = tracked_.find(f.id);
    if (it == tracked_.end()) continue;
    CgroupSinkFactory* factory = it->second.factory;
    if (it->second.denials_watched) --denials_watched_;
    bpf_->EraseSink(f.id);
    tracked_.erase(it);
    ++removed_;
    factory->OnCgroupRemoved(f.id);
  }
  if (absl::Status s = UpdateSysExitLink(); !s.ok()) spdlog::warn("{}", s.ToString());
  int queue = bpf_map__fd(skel->maps.free_slots);
  for (uint32_t slot : slots) {
    if (bpf_map_update_elem(queue, nullptr, &slot, BPF_ANY) != 0) {
      spdlog::warn("node observer: returning slot {} to the free list: {}", slot,
                   strerror(errno));
    }
  }
}

absl::Status NodeObserverImpl::SetDenialWatch(uint64_t cgroup_id, bool on) {
  if (!options_.verify_mode) {
    return absl::FailedPreconditionError("denial watch: the observer has no denial hooks");
  }
  auto it = tracked_.find(cgroup_id);
  if (it == tracked_.end()) {
    return absl::NotFoundError(absl::StrCat("denial watch: cgroup ", cgroup_id, " not tracked"));
  }
  if (it->second.denials_watched == on) return absl::OkStatus();
  if (absl::Status s = WriteDenialWatch(it->second.slot, cgroup_id, on); !s.ok()) return s;
  it->second.denials_watched = on;
  denials_watched_ += on ? 1 : -1;
  return UpdateSysExitLink();
}

absl::Status NodeObserverImpl::UpdateSysExitLink() {
  minpriv_bpf* skel = bpf_->skel();
  if (denials_watched_ == 0 || !skel || detaching_) {
    sys_exit_link_.reset();
    return absl::OkStatus();
  }
  if (sys_exit_link_) return absl::OkStatus();
  bpf_program* prog = FindProgram(*skel, "on_sys_exit");
  if (prog == nullptr) return absl::InternalError("denial watch: no program on_sys_exit");
  bpf_link* link = bpf_program__attach(prog);
  if (link == nullptr) {
    return absl::InternalError(
        absl::StrCat("denial watch: attaching on_sys_exit: ", strerror(errno)));
  }
  sys_exit_link_.reset(link);
  return absl::OkStatus();
}

absl::Status NodeObserverImpl::WriteDenialWatch(uint32_t slot, uint64_t id, bool on) {
  minpriv_bpf* skel = bpf_->skel();
  if (!skel) return absl::FailedPreconditionError("denial watch: the observer is detached");
  const uint64_t value = on ? id : 0;
  if (bpf_map__update_elem(skel->maps.denial_watch, &slot, sizeof(slot), &value, sizeof(value),
                           BPF_ANY) != 0) {
    return absl::InternalError(
        absl::StrCat("denial watch: slot ", slot, ": ", strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace minpriv::observer
