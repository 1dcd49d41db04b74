/* SPDX-License-Identifier: GPL-2.0 */
/* Every map of minpriv's programs and the settings user space writes before load. The
 * skeleton (minpriv.skel.h) names them; observer/ uses those names. Node mode sizes some
 * of them at load time (observer/program_loader.cc): `workloads`, `free_slots`,
 * `orphans` and `denial_watch` to its capacity, `cgroups`, `seen` and `udp_convs` at least in proportion. */
#ifndef MINPRIV_BPF_MAPS_BPF_H_
#define MINPRIV_BPF_MAPS_BPF_H_

#include "vmlinux.h"

#include <bpf/bpf_helpers.h>

#include "bpf/abi/events.h"

/* Set by user space before load. */
const volatile bool verify_mode = false;
/* Node mode (bpf/abi/events.h, observer/node_observer.h): every cgroup below a watched
 * root has a slot of its own. Off: the `learn` path, whose code is unchanged (the verifier
 * removes the node-mode branches). */
const volatile bool node_mode = false;

/* Node mode counters, read by user space through the skeleton's .bss. */
__u64 node_created = 0;           /* cgroups created below a watched root */
__u64 node_untracked_full = 0;    /* ... while every slot was taken: not tracked */
__u64 node_untracked_dropped = 0; /* ... whose announcement found the ring full: not tracked */

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

/* Node mode with verify_mode: the cgroups whose denials are watched (the agent's after-apply
 * watch), switched at run time by user space (NodeObserver::SetDenialWatch). By slot: the
 * cgroup id the slot's denials are watched for (0: none). A slot taken over by another
 * cgroup is not watched for it (the id differs). Only these pay for the path stashes of
 * sys_enter and the denial checks of sys_exit; the others return after this lookup. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, MP_MAX_WORKLOADS);
  __type(key, __u32);
  __type(value, __u64);
} denial_watch SEC(".maps");

/* Node mode: the watched roots (cgroup id -> unused), the free slots of `workloads` (filled
 * by user space, popped by cgroup_mkdir, pushed back by user space once a slot's state is
 * freed), and the cgroups removed while the ring buffer was full (cgroup id -> slot: user
 * space frees them as if it had read their MP_CGROUP_REMOVED record). */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, MP_MAX_ROOTS);
  __type(key, __u64);
  __type(value, __u32);
} roots SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_QUEUE);
  __uint(max_entries, MP_MAX_WORKLOADS);
  __type(value, __u32);
} free_slots SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, MP_MAX_WORKLOADS);
  __type(key, __u64);
  __type(value, __u32);
} orphans SEC(".maps");

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
 * of every task: user space tells EEXIST apart there (observer.cc); so does node mode, whose
 * exit hook is attached only while some cgroup's denials are watched. A plain hash: when
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
 * (never a fact lost, at worst a reply seen as a new flow). Key: bpf/abi/events.h (node
 * mode frees a slot's conversations). */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 16384);
  __type(key, struct udp_conv_key);
  __type(value, __u32);
} udp_convs SEC(".maps");

#endif /* MINPRIV_BPF_MAPS_BPF_H_ */
