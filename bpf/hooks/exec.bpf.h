/* SPDX-License-Identifier: GPL-2.0 */
/* sched_process_exec: the binaries watched tasks execute, and whether the exec gained
 * privileges (setuid/setgid, file capabilities); in node mode also the first exec in a
 * tracked cgroup (hooks/cgroups.bpf.h). */
#ifndef MINPRIV_BPF_HOOKS_EXEC_BPF_H_
#define MINPRIV_BPF_HOOKS_EXEC_BPF_H_

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/abi/events.h"
#include "bpf/helpers/cgroup_filter.bpf.h"
#include "bpf/helpers/dedup.bpf.h"
#include "bpf/helpers/path.bpf.h"
#include "bpf/hooks/cgroups.bpf.h"
#include "bpf/maps.bpf.h"

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm) {
  __u32 slot;
  struct mp_workload *w = lookup_workload(bpf_get_current_cgroup_id(), &slot);
  if (!w) return 0;
  if (node_mode) {
    node_workload_exec(slot, w);
    slot |= MP_SLOT_WORKLOAD_PHASE; /* the exec itself is the workload's */
  }
  __u32 idx = SCR_EXEC;
  struct mp_exec_event *ev = bpf_map_lookup_elem(&scratch, &idx);
  if (!ev) return 0;
  struct file *file = BPF_CORE_READ(bprm, file);
  __u32 gain = 0;
  if (BPF_CORE_READ_BITFIELD_PROBED(bprm, secureexec)) gain = 1;
  if (BPF_CORE_READ(bprm, per_clear)) gain = 1;
  __u64 ino = BPF_CORE_READ(file, f_inode, i_ino);
  __u64 dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
  struct mp_seen_key k = {.slot = slot, .kind = MP_SEEN_EXEC, .a = ino, .b = dev, .c = gain};
  if (!first_time(&k)) return 0;
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  ev->path.flags = 0;
  ev->path.dir_len = 0;
  long n = bpf_probe_read_kernel_str(ev->path.user, MP_USER_PATH_MAX, BPF_CORE_READ(bprm, filename));
  ev->path.user_len = n > 0 ? n : 0;
  walk_path(&ev->path, BPF_CORE_READ(file, f_path.dentry), BPF_CORE_READ(file, f_path.mnt), task);
  fill_header(&ev->hdr, MP_EV_EXEC, w);
  ev->privilege_gain = gain;
  ev->pad = 0;
  ev->key = k;
  output(ev, sizeof(*ev), &k);
  return 0;
}

#endif /* MINPRIV_BPF_HOOKS_EXEC_BPF_H_ */
