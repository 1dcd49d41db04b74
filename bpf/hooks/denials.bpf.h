/* SPDX-License-Identifier: GPL-2.0 */
/* sys_exit: the results of mkdirs that wait for them (verify mode), and in verify mode
 * the failures the workload saw (EPERM, EACCES, EROFS), with the path stashed at entry
 * (node mode: of the cgroups whose denials are watched, maps.bpf.h: denial_watch). */
#ifndef MINPRIV_BPF_HOOKS_DENIALS_BPF_H_
#define MINPRIV_BPF_HOOKS_DENIALS_BPF_H_

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/abi/events.h"
#include "bpf/arch/arch.h"
#include "bpf/helpers/cgroup_filter.bpf.h"
#include "bpf/helpers/dedup.bpf.h"
#include "bpf/helpers/uapi.h"
#include "bpf/hooks/file_writes.bpf.h"
#include "bpf/maps.bpf.h"

/* ---- mkdir results ------------------------------------------------------------------ */

/* At the mkdir's return (from on_sys_exit, which every syscall pays for anyway: the classic
 * syscalls:sys_exit_mkdir tracepoints would turn on per-syscall exit tracing for every
 * syscall of every task, about 50 ns each). */
static __always_inline void mkdir_exit(long ret) {
  __u64 tid = bpf_get_current_pid_tgid();
  struct mp_file_event *ev = bpf_map_lookup_elem(&pending_mkdirs, &tid);
  if (!ev) return;
  if (ret == -EEXIST) {
    /* Forget the fact, unless another call met it meanwhile (its hit rode on this key:
     * that one may have created the directory). */
    struct mp_seen_value *v = bpf_map_lookup_elem(&seen, &ev->key);
    if (!v || v->hits <= 1) {
      bpf_map_delete_elem(&seen, &ev->key);
      bpf_map_delete_elem(&pending_mkdirs, &tid);
      return;
    }
  }
  output(ev, sizeof(*ev), &ev->key);
  bpf_map_delete_elem(&pending_mkdirs, &tid);
}

/* ---- verify mode: failures the workload saw ----------------------------------------- */

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret) {
  /* One load and two compares for every other syscall. A 32-bit task's numbers differ, but
   * only a watched 64-bit mkdir left a pending record for this thread. */
  long nr = MP_SYSCALL_NR(regs);
  if (nr == NR_mkdir || nr == NR_mkdirat) mkdir_exit(ret);
  /* Number -1 is no syscall's exit: rt_sigreturn sets orig_ax to -1 and its "result" is the
   * interrupted context's rax restored, -1 (reading as -EPERM) as often as not. */
  if (!verify_mode || nr < 0) return 0;
  __u32 slot;
  __u64 cgid = current_cgroup_id(bpf_get_current_task_btf());
  struct mp_workload *w = lookup_workload(cgid, &slot);
  if (!w) return 0;
  /* Node mode: only the cgroups user space switched on (maps.bpf.h: denial_watch). A stash
   * left by a call that began while they were on is overwritten by the thread's next. */
  if (!denials_watched(slot, cgid)) return 0;
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  struct stash *st = NULL;
  /* A compat call: compat number, and never a stashed (natively decoded) file syscall. */
  bool compat = MP_IN_COMPAT_SYSCALL(bpf_get_current_task_btf());
  if (!compat && is_file_syscall(nr)) st = bpf_map_lookup_elem(&stashes, &pid_tgid);
  if (ret == -EPERM || ret == -EACCES || ret == -EROFS) {
    bool with_path = st && st->nr == nr;
    struct mp_seen_key k = {.slot = slot, .kind = MP_SEEN_DENIAL,
                            .a = ((__u64)nr + (compat ? MP_MAX_SYSCALLS : 0)) |
                                 ((__u64)(-ret) << 32),
                            .b = with_path ? st->base : 0, .c = with_path ? st->hash : 0};
    if (first_time(&k)) {
      __u32 idx = SCR_EXIT;
      struct mp_denial_event *ev = bpf_map_lookup_elem(&scratch, &idx);
      if (ev) {
        fill_header(&ev->hdr, MP_EV_DENIAL, w);
        ev->nr = nr;
        ev->error = -ret;
        ev->ops = with_path ? st->ops : 0;
        ev->has_path = with_path;
        ev->abi = compat ? MP_ARCH_ABI_COMPAT : MP_ARCH_ABI_NATIVE;
        if (with_path) {
          bpf_probe_read_kernel(&ev->path, sizeof(ev->path), &st->path);
        } else {
          ev->path.user_len = 0;
          ev->path.dir_len = 0;
          ev->path.flags = 0;
        }
        output(ev, sizeof(*ev), &k);
      }
    }
  }
  if (st) bpf_map_delete_elem(&stashes, &pid_tgid);
  return 0;
}

#endif /* MINPRIV_BPF_HOOKS_DENIALS_BPF_H_ */
