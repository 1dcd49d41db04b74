// Telling apart a learned `mkdir` of a directory that already existed (`mkdir -p`): it
// fails with EEXIST and needs nothing writable, so it is not a write. Internal to observer/.
//
// Learning records mkdir at its entry: a hook on its exit would slow down every syscall of
// every task on the machine (bpf/minpriv.bpf.c). The existing directory is told apart here,
// and only with certainty: the directory is there, resolved inside the caller's root (its
// /proc/PID/root, or once it has exited that of another process of the workload, or ours,
// with the same root directory and mount namespace), on a local file system whose birth
// times this machine wrote, and was born before the call by more than any timestamp
// granularity. Anything uncertain keeps the record: never narrower than observed.
#ifndef MINPRIV_OBSERVER_EXISTING_MKDIR_H_
#define MINPRIV_OBSERVER_EXISTING_MKDIR_H_

#include <cstddef>
#include <string>

#include "bpf/abi/events.h"

namespace minpriv::observer {

// Whether a ring-buffer record is a learned mkdir of a file path: the only records worth
// the check below. Cheap, and read in place (records are 8-byte aligned, as the decoder
// reads them): every record passes here.
inline const mp_file_event* AsMkdirRecord(const void* data, size_t size) {
  if (size < sizeof(mp_file_event)) return nullptr;
  const auto* ev = static_cast<const mp_file_event*>(data);
  if (ev->hdr.type != MP_EV_FILE || ev->ops != MP_OP_MKDIR || ev->key.kind != MP_SEEN_FILE) {
    return nullptr;
  }
  return ev;
}

// Whether the directory `ev` creates was there, born well before the call, so the call
// failed with EEXIST. `workload_cgroup` (the watched cgroup the record is attributed to,
// nullptr when unknown) gives other processes whose root the path may be resolved in once
// the caller has exited.
bool MkdirFoundExisting(const mp_file_event& ev, const std::string* workload_cgroup);

}  // namespace minpriv::observer

#endif  // MINPRIV_OBSERVER_EXISTING_MKDIR_H_
