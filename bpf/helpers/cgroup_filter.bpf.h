/* SPDX-License-Identifier: GPL-2.0 */
/* The cgroup filter: which watched workload (if any) the current task belongs to, and the
 * descendants of watched cgroups. Everything unwatched returns after one lookup. */
#ifndef MINPRIV_BPF_HELPERS_CGROUP_FILTER_BPF_H_
#define MINPRIV_BPF_HELPERS_CGROUP_FILTER_BPF_H_

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "bpf/abi/events.h"
#include "bpf/maps.bpf.h"

/* Array lookups are inlined by the verifier: an unwatched task costs no helper call when
 * its cache entry is empty. */
static __always_inline struct mp_workload *lookup_workload(__u64 cgid, __u32 *slot_out) {
  __u32 idx = mp_cgroup_cache_index(cgid);
  struct mp_cgroup_slot *e = bpf_map_lookup_elem(&cgroup_cache, &idx);
  if (!e) return NULL;
  __u32 s;
  if (e->cgroup_id == cgid) {
    s = e->slot;
  } else if (e->cgroup_id == 0) {
    return NULL;
  } else {
    __u32 *slot = bpf_map_lookup_elem(&cgroups, &cgid);
    if (!slot) return NULL;
    s = *slot;
  }
  *slot_out = s;
  return bpf_map_lookup_elem(&workloads, &s);
}

/* The current task's cgroup v2 id by BTF loads (no helper call). */
static __always_inline __u64 current_cgroup_id(struct task_struct *t) {
  return t->cgroups->dfl_cgrp->kn->id;
}

static __always_inline void remember_cgroup(__u64 id, __u32 slot) {
  bpf_map_update_elem(&cgroups, &id, &slot, BPF_ANY);
  __u32 idx = mp_cgroup_cache_index(id);
  struct mp_cgroup_slot *e = bpf_map_lookup_elem(&cgroup_cache, &idx);
  if (e && e->cgroup_id == 0) {
    e->slot = slot;
    e->cgroup_id = id; /* a racing writer leaves a mismatch: falls back to the hash */
  }
}

#endif /* MINPRIV_BPF_HELPERS_CGROUP_FILTER_BPF_H_ */
