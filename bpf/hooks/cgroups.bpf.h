/* SPDX-License-Identifier: GPL-2.0 */
/* cgroup_mkdir/rmdir. Learn mode: descendants of a watched cgroup are watched as its
 * workload. Node mode (bpf/abi/events.h): every cgroup created below a watched root takes a
 * slot of its own, announced before any record of it, and its removal is announced after
 * its last record. */
#ifndef MINPRIV_BPF_HOOKS_CGROUPS_BPF_H_
#define MINPRIV_BPF_HOOKS_CGROUPS_BPF_H_

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/abi/events.h"
#include "bpf/helpers/cgroup_filter.bpf.h"
#include "bpf/helpers/dedup.bpf.h"
#include "bpf/maps.bpf.h"

/* Whether one of the cgroup's ancestors (up to MP_ROOT_DEPTH levels up) is a watched root.
 * cgroup_mkdir only: never on a hot path. */
static __always_inline bool below_watched_root(struct cgroup *cgrp) {
  struct cgroup *c = cgrp;
  for (int i = 0; i < MP_ROOT_DEPTH; i++) {
    /* `self` is the first member of struct cgroup: its parent css is the parent cgroup. */
    c = (struct cgroup *)BPF_CORE_READ(c, self.parent);
    if (!c) return false;
    __u64 id = BPF_CORE_READ(c, kn, id);
    if (bpf_map_lookup_elem(&roots, &id)) return true;
  }
  return false;
}

static __always_inline void fill_cgroup_event(struct mp_cgroup_event *ev, __u64 id, __u32 slot,
                                              __u16 change) {
  ev->hdr.type = MP_EV_CGROUP;
  ev->hdr.pid = bpf_get_current_pid_tgid() >> 32;
  ev->hdr.ts_boot_ns = bpf_ktime_get_boot_ns();
  ev->hdr.workload_id = id;
  bpf_get_current_comm(ev->hdr.comm, sizeof(ev->hdr.comm));
  ev->cgroup_id = id;
  ev->slot = slot;
  ev->change = change;
  ev->path_len = 0;
}

/* The announcement is reserved first: records are read in reservation order, so nothing of
 * the cgroup can precede it. Then a slot, the slot's state, and the filter's entry. */
static __always_inline void node_cgroup_mkdir(struct cgroup *cgrp, const char *path) {
  if (!below_watched_root(cgrp)) return;
  __sync_fetch_and_add(&node_created, 1);
  struct mp_cgroup_created_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
  if (!ev) {
    count_drop();
    __sync_fetch_and_add(&node_untracked_dropped, 1);
    return;
  }
  __u32 slot;
  if (bpf_map_pop_elem(&free_slots, &slot) != 0) {
    __sync_fetch_and_add(&node_untracked_full, 1);
    bpf_ringbuf_discard(ev, 0);
    return;
  }
  __u64 id = BPF_CORE_READ(cgrp, kn, id);
  struct mp_workload *w = bpf_map_lookup_elem(&workloads, &slot);
  if (!w) {
    bpf_ringbuf_discard(ev, 0);
    return;
  }
  for (int i = 0; i < MP_SYSCALL_BITS / 64; i++) w->syscalls[i] = 0;
  w->last_uid = 0xffffffff;
  w->last_gid = 0xffffffff;
  w->flags = 0;
  w->workload_id = id;
  if (remember_cgroup(id, slot) != 0) {
    w->workload_id = 0;
    bpf_map_push_elem(&free_slots, &slot, 0);
    __sync_fetch_and_add(&node_untracked_full, 1);
    bpf_ringbuf_discard(ev, 0);
    return;
  }
  fill_cgroup_event(&ev->ev, id, slot, MP_CGROUP_CREATED);
  long n = bpf_probe_read_kernel_str(ev->path, sizeof(ev->path), path);
  ev->ev.path_len = n > 0 ? n : 0;
  bpf_ringbuf_submit(ev, 0);
}

/* A tracked cgroup leaves the filter; user space frees its slot when it reads the record
 * (or finds it in `orphans` when the ring buffer was full). */
static __always_inline void node_cgroup_rmdir(__u64 id) {
  __u32 *slotp = bpf_map_lookup_elem(&cgroups, &id);
  if (!slotp) return;
  __u32 slot = *slotp;
  bpf_map_delete_elem(&cgroups, &id);
  struct mp_cgroup_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
  if (!ev) {
    count_drop();
    bpf_map_update_elem(&orphans, &id, &slot, BPF_ANY);
    return;
  }
  fill_cgroup_event(ev, id, slot, MP_CGROUP_REMOVED);
  bpf_ringbuf_submit(ev, 0);
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(on_cgroup_mkdir, struct cgroup *cgrp, const char *path) {
  if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0) return 0; /* v1 hierarchy */
  if (node_mode) {
    node_cgroup_mkdir(cgrp, path);
    return 0;
  }
  struct cgroup *parent = (struct cgroup *)BPF_CORE_READ(cgrp, self.parent);
  if (!parent) return 0;
  __u64 parent_id = BPF_CORE_READ(parent, kn, id);
  __u32 *slot = bpf_map_lookup_elem(&cgroups, &parent_id);
  if (!slot) return 0;
  remember_cgroup(BPF_CORE_READ(cgrp, kn, id), *slot);
  return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(on_cgroup_rmdir, struct cgroup *cgrp, const char *path) {
  if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0) return 0;
  __u64 id = BPF_CORE_READ(cgrp, kn, id);
  if (node_mode) {
    node_cgroup_rmdir(id);
    return 0;
  }
  bpf_map_delete_elem(&cgroups, &id);
  return 0;
}

/* Node mode, sched_process_exec: the first successful execve in a tracked cgroup ends
 * what its runtime (runc/crun init) does there and starts the workload, announced once
 * (MP_WORKLOAD_RUNNING). The syscall bitmap, the identity cache and the dedup keys (their
 * slot's MP_SLOT_WORKLOAD_PHASE) start again, so that the workload's own facts follow the
 * announcement even when the runtime's preceded it. */
static __always_inline void node_workload_exec(__u32 slot, struct mp_workload *w) {
  if (w->flags & MP_WORKLOAD_RUNNING) return;
  if (__sync_fetch_and_or(&w->flags, MP_WORKLOAD_RUNNING) & MP_WORKLOAD_RUNNING) return;
  for (int i = 0; i < MP_SYSCALL_BITS / 64; i++) w->syscalls[i] = 0;
  w->last_uid = 0xffffffff;
  w->last_gid = 0xffffffff;
  struct mp_cgroup_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
  if (!ev) {
    count_drop();
    return;
  }
  fill_cgroup_event(ev, w->workload_id, slot, MP_CGROUP_EXEC);
  bpf_ringbuf_submit(ev, 0);
}

#endif /* MINPRIV_BPF_HOOKS_CGROUPS_BPF_H_ */
