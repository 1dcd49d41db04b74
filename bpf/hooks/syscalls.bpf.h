/* SPDX-License-Identifier: GPL-2.0 */
/* sys_enter, the hot path: syscalls (one bit per number and ABI), identity changes and
 * file writes (hooks/file_writes.bpf.h) of watched tasks. */
#ifndef MINPRIV_BPF_HOOKS_SYSCALLS_BPF_H_
#define MINPRIV_BPF_HOOKS_SYSCALLS_BPF_H_

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/abi/events.h"
#include "bpf/arch/arch.h"
#include "bpf/helpers/cgroup_filter.bpf.h"
#include "bpf/helpers/dedup.bpf.h"
#include "bpf/hooks/file_writes.bpf.h"
#include "bpf/maps.bpf.h"

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long id) {
  __u32 slot;
  struct task_struct *t = bpf_get_current_task_btf();
  struct mp_workload *w = lookup_workload(current_cgroup_id(t), &slot);
  if (!w) return 0;

  /* A compat (32-bit) syscall is numbered by the compat table (bpf/arch/). One load from
   * the task we hold. */
  __u32 compat = MP_IN_COMPAT_SYSCALL(t);
  if (id >= 0 && id < MP_MAX_SYSCALLS) {
    __u64 bitno = id + (compat ? MP_MAX_SYSCALLS : 0);
    __u64 bit = 1ULL << (bitno & 63);
    __u64 *word = &w->syscalls[(bitno >> 6) & (MP_SYSCALL_BITS / 64 - 1)];
    if (!(*word & bit) && !(__sync_fetch_and_or(word, bit) & bit)) {
      struct mp_syscall_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
      if (ev) {
        fill_header(&ev->hdr, MP_EV_SYSCALL, w);
        ev->nr = id;
        ev->abi = compat ? MP_ARCH_ABI_COMPAT : MP_ARCH_ABI_NATIVE;
        bpf_ringbuf_submit(ev, 0);
      } else {
        __sync_fetch_and_and(word, ~bit); /* retry next time */
        count_drop();
      }
    }
  }

  const struct cred *cred = t->cred;
  __u32 uid = cred->uid.val, gid = cred->gid.val;
  if (uid != w->last_uid || gid != w->last_gid) {
    w->last_uid = uid;
    w->last_gid = gid;
    struct mp_seen_key k = {.slot = slot, .kind = MP_SEEN_IDENTITY, .a = uid, .b = gid};
    if (first_time(&k)) {
      struct mp_identity_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
      if (ev) {
        fill_header(&ev->hdr, MP_EV_IDENTITY, w);
        ev->uid = uid;
        ev->gid = gid;
        bpf_ringbuf_submit(ev, 0);
      } else {
        bpf_map_delete_elem(&seen, &k);
        count_drop();
      }
    }
  }

  /* File writes are decoded by native number only: a compat call's number means another
   * syscall (user space reports that 32-bit file writes are not observed). */
  if (!compat && is_file_syscall(id)) file_syscall(slot, w, regs, id);
  return 0;
}

#endif /* MINPRIV_BPF_HOOKS_SYSCALLS_BPF_H_ */
