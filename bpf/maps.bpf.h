/* SPDX-License-Identifier: GPL-2.0 */
/* Every map of minpriv's programs and the one setting user space writes before load. The
 * skeleton (minpriv.skel.h) names them; observer/ uses those names. */
#ifndef MINPRIV_BPF_MAPS_BPF_H_
#define MINPRIV_BPF_MAPS_BPF_H_

#include "vmlinux.h"

#include <bpf/bpf_helpers.h>

#include "bpf/abi/events.h"

/* Set by user space before load. */
const volatile bool verify_mode = false;

/* Attribution: a watched cgroup id (and every descendant) -> its slot of `workloads`. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, MP_MAX_CGROUPS);
  __type(key, __u64);
  __type(value, __u32);
} cgroups SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, MP_CGROUP_CACHE_SIZE);
  __type(key, __u32);
  __type(value, struct mp_cgroup_slot);
} cgroup_cache SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, MP_MAX_WORKLOADS);
  __type(key, __u32);
  __type(value, struct mp_workload);
} workloads SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 16 << 20);
} events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} drops SEC(".maps");

/* Dedup and hit counts (bpf/abi/events.h). */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 65536);
  __type(key, struct mp_seen_key);
  __type(value, struct mp_seen_value);
} seen SEC(".maps");

/* Per-CPU scratch records, one per context that may nest (softirq vs. task). */
enum scratch_slot { SCR_ENTER = 0, SCR_EXIT, SCR_EXEC, SCR_CAP, SCR_DNS, SCR_COUNT };

union scratch {
  struct mp_file_event file;
  struct mp_exec_event exec;
  struct mp_denial_event denial;
  struct mp_capability_event cap;
  struct mp_dns_event dns;
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, SCR_COUNT);
  __type(key, __u32);
  __type(value, union scratch);
} scratch SEC(".maps");

/* Verify mode: path of the current file syscall, from sys_enter to sys_exit. */
struct stash {
  __u32 nr;
  __u32 ops;
  __u64 hash;
  __u64 base;
  struct mp_path path;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4096);
  __type(key, __u64);
  __type(value, struct stash);
} stashes SEC(".maps");

/* mkdir of a directory that exists (`mkdir -p`) fails with EEXIST, even on a read-only
 * file system: it needs nothing writable, so it is not a write. In verify mode (which has
 * on_sys_exit anyway) the sys_enter record of a new mkdir fact waits here (by thread) for
 * the call's result and is dropped on EEXIST (the fact forgotten, so that a later mkdir
 * that creates it is reported). Learning has no exit hook, which would slow every syscall
 * of every task: user space tells EEXIST apart there (observer.cc). A plain hash: when
 * full, the record is emitted at once (never narrower than observed); user space emits
 * what is still pending when it detaches. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, __u64);
  __type(value, struct mp_file_event);
} pending_mkdirs SEC(".maps");

/* UDP conversations, to tell replies from new flows (hooks/network.bpf.h). Keyed by
 * watched slot, local port, peer port, family and peer address; the value says who sent
 * the first datagram. LRU: an evicted conversation is decided again by its next datagram
 * (never a fact lost, at worst a reply seen as a new flow). */
struct udp_conv_key {
  __u32 slot;
  __u16 local_port; /* host byte order */
  __u16 peer_port;  /* host byte order */
  __u32 family;
  __u32 addr[4];
};

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 16384);
  __type(key, struct udp_conv_key);
  __type(value, __u32);
} udp_convs SEC(".maps");

#endif /* MINPRIV_BPF_MAPS_BPF_H_ */
