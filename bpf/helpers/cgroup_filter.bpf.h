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

/* Node mode: the slot as dedup keys name it (events.h: MP_SLOT_WORKLOAD_PHASE). */
static __always_inline __u32 node_key_slot(__u32 s, struct mp_workload *w) {
  return (w->flags & MP_WORKLOAD_RUNNING) ? (s | MP_SLOT_WORKLOAD_PHASE) : s;
}

/* Node mode: the hash map's answer (the cache missed). A slot belongs to one cgroup (its
 * workload_id): a slot whose workload is another cgroup's is not this one's. */
static __always_inline struct mp_workload *lookup_workload_hashed(__u64 cgid, __u32 *slot_out) {
  __u32 *slot = bpf_map_lookup_elem(&cgroups, &cgid);
  if (!slot) return NULL;
  __u32 s = *slot;
  struct mp_workload *w = bpf_map_lookup_elem(&workloads, &s);
  if (!w || w->workload_id != cgid) return NULL;
  *slot_out = node_key_slot(s, w);
  return w;
}

/* Array lookups are inlined by the verifier: an unwatched task costs no helper call when
 * its cache entry is empty. In node mode a cache entry may be stale (its cgroup is gone or
 * no longer tracked, its slot free or another cgroup's): a match is checked against the
 * slot's workload_id; a cgroup may also sit in its second entry (events.h); else the hash
 * map decides. The learn path below it is the same as before node mode existed (the
 * verifier removes the node-mode branch there). */
static __always_inline struct mp_workload *lookup_workload(__u64 cgid, __u32 *slot_out) {
  *slot_out = 0; /* defined on every path: clang 14 spills an undefined one otherwise */
  __u32 idx = mp_cgroup_cache_index(cgid);
  struct mp_cgroup_slot *e = bpf_map_lookup_elem(&cgroup_cache, &idx);
  if (!e) return NULL;
  if (node_mode) {
    __u64 cached = e->cgroup_id;
    if (cached == 0) return NULL;
    __u32 s = e->slot;
    if (cached != cgid) {
      __u32 idx2 = mp_cgroup_cache_index2(cgid);
      struct mp_cgroup_slot *e2 = bpf_map_lookup_elem(&cgroup_cache, &idx2);
      if (!e2 || e2->cgroup_id != cgid) return lookup_workload_hashed(cgid, slot_out);
      s = e2->slot;
    }
    struct mp_workload *w = bpf_map_lookup_elem(&workloads, &s);
    if (!w || w->workload_id != cgid) return lookup_workload_hashed(cgid, slot_out);
    *slot_out = node_key_slot(s, w);
    return w;
  }
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

/* Whether the denials of the cgroup `cgid` in slot `slot` (as lookup_workload gave it) are
 * watched: always outside node mode (learn's verify mode watches every cgroup it has);
 * in node mode when user space switched them on (maps.bpf.h: denial_watch). */
static __always_inline bool denials_watched(__u32 slot, __u64 cgid) {
  if (!node_mode) return true;
  __u32 s = slot & ~MP_SLOT_WORKLOAD_PHASE;
  __u64 *id = bpf_map_lookup_elem(&denial_watch, &s);
  return id && *id == cgid;
}

/* The current task's cgroup v2 id by BTF loads (no helper call). */
static __always_inline __u64 current_cgroup_id(struct task_struct *t) {
  return t->cgroups->dfl_cgrp->kn->id;
}

/* Whether a cache entry names a cgroup its slot no longer holds (node mode): it may be
 * taken over. Only an empty entry says "nothing hashes here", so replacing one is safe. */
static __always_inline bool cache_entry_stale(struct mp_cgroup_slot *e) {
  __u32 s = e->slot;
  struct mp_workload *w = bpf_map_lookup_elem(&workloads, &s);
  return !w || w->workload_id != e->cgroup_id;
}

static __always_inline bool cache_entry_free(struct mp_cgroup_slot *e) {
  return e->cgroup_id == 0 || (node_mode && cache_entry_stale(e));
}

static __always_inline long remember_cgroup(__u64 id, __u32 slot) {
  long err = bpf_map_update_elem(&cgroups, &id, &slot, BPF_ANY);
  if (err) return err;
  __u32 idx = mp_cgroup_cache_index(id);
  struct mp_cgroup_slot *e = bpf_map_lookup_elem(&cgroup_cache, &idx);
  if (e && !cache_entry_free(e) && node_mode) {
    idx = mp_cgroup_cache_index2(id);
    e = bpf_map_lookup_elem(&cgroup_cache, &idx);
  }
  if (e && cache_entry_free(e)) {
    e->slot = slot;
    e->cgroup_id = id; /* a racing writer leaves a mismatch: falls back to the hash */
  }
  return 0;
}

#endif /* MINPRIV_BPF_HELPERS_CGROUP_FILTER_BPF_H_ */
