/* SPDX-License-Identifier: GPL-2.0 */
/* Dedup and output of records. `seen` (LRU) holds one key per fact already reported and
 * counts its hits; an event (carrying its key) is emitted only when inserting the key
 * succeeds, every later hit is one atomic add on the value the lookup returned. User space
 * turns the hits into counts at Drain()/Detach() (no per-hit traffic). If the ring buffer
 * is full the key is removed again and the per-CPU `drops` counter incremented, so the
 * fact is retried next time. */
#ifndef MINPRIV_BPF_HELPERS_DEDUP_BPF_H_
#define MINPRIV_BPF_HELPERS_DEDUP_BPF_H_

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "bpf/abi/events.h"
#include "bpf/maps.bpf.h"

static __always_inline void count_drop(void) {
  __u32 zero = 0;
  __u64 *d = bpf_map_lookup_elem(&drops, &zero);
  if (d) __sync_fetch_and_add(d, 1);
}

/* Counts one hit of the fact `k`; true on its first (the caller then emits the record).
 * A repeat costs one lookup and one atomic add (cheaper than the failing NOEXIST update it
 * replaces, which takes an LRU node and a bucket lock). Two CPUs racing on a new key: the
 * loser of the insert counts its hit on the winner's entry. */
static __always_inline bool first_time(struct mp_seen_key *k) {
  struct mp_seen_value *v = bpf_map_lookup_elem(&seen, k);
  if (v) {
    __sync_fetch_and_add(&v->hits, 1);
    return false;
  }
  struct mp_seen_value one = {.hits = 1};
  if (bpf_map_update_elem(&seen, k, &one, BPF_NOEXIST) == 0) return true;
  v = bpf_map_lookup_elem(&seen, k);
  if (v) __sync_fetch_and_add(&v->hits, 1);
  return false;
}

static __always_inline void fill_header(struct mp_event_header *h, __u32 type,
                                        struct mp_workload *w) {
  h->type = type;
  h->pid = bpf_get_current_pid_tgid() >> 32;
  h->ts_boot_ns = bpf_ktime_get_boot_ns();
  h->workload_id = w->workload_id;
  bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/* Copies a finished scratch record to the ring buffer; on failure forgets the key. */
static __always_inline void output(void *rec, __u64 size, struct mp_seen_key *k) {
  if (bpf_ringbuf_output(&events, rec, size, 0) != 0) {
    count_drop();
    if (k) bpf_map_delete_elem(&seen, k);
  }
}

#endif /* MINPRIV_BPF_HELPERS_DEDUP_BPF_H_ */
