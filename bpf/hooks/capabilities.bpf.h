/* SPDX-License-Identifier: GPL-2.0 */
/* cap_capable: capability checks of watched tasks, keyed by the kernel call site (a
 * probe and a need differ there) and the binary. */
#ifndef MINPRIV_BPF_HOOKS_CAPABILITIES_BPF_H_
#define MINPRIV_BPF_HOOKS_CAPABILITIES_BPF_H_

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/abi/events.h"
#include "bpf/helpers/cgroup_filter.bpf.h"
#include "bpf/helpers/dedup.bpf.h"
#include "bpf/maps.bpf.h"

SEC("tp_btf/cap_capable")
int BPF_PROG(on_cap_capable, const struct cred *cred, struct user_namespace *targ_ns,
             const struct user_namespace *capable_ns, int cap, int ret) {
  __u32 slot;
  struct mp_workload *w = lookup_workload(bpf_get_current_cgroup_id(), &slot);
  if (!w) return 0;
  __u32 idx = SCR_CAP;
  struct mp_capability_event *ev = bpf_map_lookup_elem(&scratch, &idx);
  if (!ev) return 0;
  long n = bpf_get_stack(ctx, ev->stack, sizeof(ev->stack), 0);
  __u32 frames = n > 0 ? (__u32)n / 8 : 0;
  __u64 h = 0;
  for (int i = 0; i < MP_STACK_HASH_DEPTH; i++) {
    if (i >= frames) break;
    h = h * 1000003ULL ^ ev->stack[i];
  }
  /* The binary is part of the evidence (and of its count): part of the key too. */
  bpf_get_current_comm(ev->hdr.comm, sizeof(ev->hdr.comm));
  __u64 comm_lo, comm_hi;
  __builtin_memcpy(&comm_lo, ev->hdr.comm, 8);
  __builtin_memcpy(&comm_hi, ev->hdr.comm + 8, 8);
  struct mp_seen_key k = {.slot = slot, .kind = MP_SEEN_CAP,
                          .a = (__u32)cap | ((__u64)(ret == 0) << 32), .b = h,
                          .c = comm_lo * 1099511628211ULL ^ comm_hi};
  if (!first_time(&k)) return 0;
  ev->hdr.type = MP_EV_CAPABILITY;
  ev->hdr.pid = bpf_get_current_pid_tgid() >> 32;
  ev->hdr.ts_boot_ns = bpf_ktime_get_boot_ns();
  ev->hdr.workload_id = w->workload_id;
  ev->key = k;
  ev->cap = cap;
  ev->ret = ret;
  ev->nframes = frames;
  /* Under override_creds the subjective credentials are not the task's own. They count as
   * someone else's only when they are more than the task's: capabilities it does not have
   * itself, another effective uid or user namespace (overlayfs acting as its mounter). A
   * copy of its own (an overlay the workload mounted, a file it opened before a fork) is
   * still the workload's. */
  struct task_struct *task = bpf_get_current_task_btf();
  const struct cred *real = task->real_cred;
  __u32 flags = 0;
  if ((__u64)cred != (__u64)real) {
    __u64 theirs = BPF_CORE_READ(cred, cap_effective.val);
    __u64 own = BPF_CORE_READ(real, cap_effective.val);
    if ((theirs & ~own) != 0 || BPF_CORE_READ(cred, euid.val) != BPF_CORE_READ(real, euid.val) ||
        (__u64)BPF_CORE_READ(cred, user_ns) != (__u64)BPF_CORE_READ(real, user_ns))
      flags = MP_CAP_OTHER_CREDS;
  }
  ev->flags = flags;
  output(ev, sizeof(*ev), &k);
  return 0;
}

#endif /* MINPRIV_BPF_HOOKS_CAPABILITIES_BPF_H_ */
