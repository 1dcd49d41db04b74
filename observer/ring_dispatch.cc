// The ring buffer's way to the sinks: polling and draining it, attributing each record to
// its workload's sink (OnRecord, once per record: kept lean), the kernel's occurrence
// counts and the mkdir records still waiting for their result.
#include <bpf/bpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "bpf/abi/events.h"
#include "observer/bpf_observer.h"
#include "observer/existing_mkdir.h"
#include "spdlog/spdlog.h"

namespace minpriv::observer {

int BpfObserver::OnRecord(void* ctx, void* data, size_t size) {
  auto* self = static_cast<BpfObserver*>(ctx);
  if (self->cgroup_records_ && size >= sizeof(mp_event_header) &&
      static_cast<const mp_event_header*>(data)->type == MP_EV_CGROUP) {
    self->cgroup_records_(data, size);
    return 0;
  }
  auto id = EventDecoder::WorkloadId(data, size);
  if (!id.ok()) return 0;
  auto it = self->sinks_.find(*id);
  if (it == self->sinks_.end()) {
    ++self->unattributed_;
    return 0;
  }
  if (self->DropMkdirOfExisting(data, size, *id)) return 0;
  absl::Status s = self->decoder_.Dispatch(data, size, it->second);
  if (!s.ok() && self->callback_status_.ok()) self->callback_status_ = s;
  return 0;
}

bool BpfObserver::DropMkdirOfExisting(const void* data, size_t size, uint64_t workload_id) {
  // Every record passes here: only a learned mkdir record goes past these first checks.
  // Verify mode held the mkdir for its result in the kernel; node mode never does.
  if (!skel_ || (verify_mode_ && !skel_->rodata->node_mode)) return false;
  const mp_file_event* ev = AsMkdirRecord(data, size);
  if (ev == nullptr) return false;
  auto cg = cgroup_paths_.find(workload_id);
  if (!MkdirFoundExisting(*ev, cg == cgroup_paths_.end() ? nullptr : &cg->second)) {
    return false;
  }
  bpf_map_delete_elem(bpf_map__fd(skel_->maps.seen), &ev->key);
  ++mkdirs_of_existing_;
  return true;
}

absl::Status BpfObserver::Poll(absl::Duration timeout) {
  if (!ring_) return absl::FailedPreconditionError("observer is detached");
  int ms = static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(timeout)));
  int n = ring_buffer__poll(ring_.get(), ms);
  if (n < 0 && n != -EINTR) {
    return absl::InternalError(absl::StrCat("ring buffer poll: ", strerror(-n)));
  }
  absl::Status s = std::exchange(callback_status_, absl::OkStatus());
  if (!s.ok()) spdlog::debug("malformed event: {}", std::string(s.message()));
  return absl::OkStatus();
}

absl::Status BpfObserver::Drain() {
  if (!ring_) return absl::FailedPreconditionError("observer is detached");
  int n = ring_buffer__consume(ring_.get());
  if (n < 0) return absl::InternalError(absl::StrCat("ring buffer consume: ", strerror(-n)));
  callback_status_ = absl::OkStatus();
  // After the records: a key whose record is still in flight is skipped here, and counted
  // by a later Drain() or by Detach() (which stops the programs first).
  ReportCounts();
  return absl::OkStatus();
}

void BpfObserver::ReportCounts() {
  if (!skel_) return;
  bpf_map* seen = skel_->maps.seen;
  mp_seen_key key{}, next{};
  bool first = true;
  // Entries may vanish meanwhile (LRU), which makes the walk restart from the first key:
  // bounded, and harmless (ReportHits is idempotent).
  size_t limit = 4 * static_cast<size_t>(bpf_map__max_entries(seen));
  for (size_t i = 0; i < limit; ++i) {
    if (bpf_map__get_next_key(seen, first ? nullptr : &key, &next, sizeof(next)) != 0) break;
    first = false;
    key = next;
    mp_seen_value value{};
    if (bpf_map__lookup_elem(seen, &key, sizeof(key), &value, sizeof(value), 0) == 0) {
      decoder_.ReportHits(key, value.hits);
    }
  }
}

void BpfObserver::FlushPendingMkdirs() {
  if (!skel_) return;
  bpf_map* pending = skel_->maps.pending_mkdirs;
  std::vector<uint64_t> keys;
  uint64_t key = 0, next = 0;
  bool first = true;
  while (keys.size() < bpf_map__max_entries(pending) &&
         bpf_map__get_next_key(pending, first ? nullptr : &key, &next, sizeof(next)) == 0) {
    first = false;
    key = next;
    keys.push_back(key);
  }
  auto ev = std::make_unique<mp_file_event>();
  for (uint64_t k : keys) {
    if (bpf_map__lookup_elem(pending, &k, sizeof(k), ev.get(), sizeof(*ev), 0) == 0) {
      OnRecord(this, ev.get(), sizeof(*ev));
      bpf_map__delete_elem(pending, &k, sizeof(k), 0);
    }
  }
}

}  // namespace minpriv::observer
