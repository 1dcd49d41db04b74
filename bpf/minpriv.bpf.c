// SPDX-License-Identifier: GPL-2.0
/* minpriv's CO-RE programs: observe what a watched workload (a cgroup v2 and its
 * descendants) does, filtered and deduplicated in the kernel. Records: bpf/abi/events.h.
 * Maps: bpf/maps.bpf.h; attribution, dedup and paths: bpf/helpers/; the architecture's
 * registers and syscall numbers: bpf/arch/. */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#include "bpf/arch/arch.h"
#include "bpf/abi/events.h"
#include "bpf/helpers/uapi.h"
#include "bpf/maps.bpf.h"

#include "bpf/helpers/cgroup_filter.bpf.h"
#include "bpf/helpers/dedup.bpf.h"
#include "bpf/helpers/path.bpf.h"

/* Reads the user path, dedups (slot, ops, base, string) and, when new (or in verify
 * mode), resolves the base directory and emits/stashes the record. */
struct fp_args {
  __u32 slot;
  __u32 nr;
  __u32 ops;
  int dfd;
  const char *upath;
  __u32 from_fd;
  __u32 stash_it;
};

/* Global (verified once, not per call site). */
__noinline int file_path_event(struct mp_workload *w, struct fp_args *a) {
  if (!w || !a) return 0;
  __u32 slot = a->slot, nr = a->nr, ops = a->ops;
  int dfd = a->dfd;
  const char *upath = a->upath;
  bool from_fd = a->from_fd, stash_it = a->stash_it;
  __u32 zero = SCR_ENTER;
  struct mp_file_event *ev = bpf_map_lookup_elem(&scratch, &zero);
  if (!ev) return 0;
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  struct mp_path *p = &ev->path;
  p->flags = 0;
  p->dir_len = 0;
  p->user_len = 0;
  __u64 h = 0;
  struct dentry *base = NULL;
  struct vfsmount *mnt = NULL;
  if (from_fd) {
    p->flags |= MP_PATH_FROM_FD;
    struct file *f = fd_file(task, dfd);
    if (!f) return 0;
    mnt = BPF_CORE_READ(f, f_path.mnt);
    base = BPF_CORE_READ(f, f_path.dentry);
    h = (__u64)base;
  } else {
    long n = bpf_probe_read_user_str(p->user, MP_USER_PATH_MAX, upath);
    if (n <= 0) return 0;
    if (n >= MP_USER_PATH_MAX) p->flags |= MP_PATH_USER_TRUNCATED;
    p->user_len = n;
    h = hash_bytes(p->user, n, MP_USER_PATH_MAX);
    if (p->user[0] == '/') {
      base = BPF_CORE_READ(task, fs, root.dentry);
    } else {
      base = base_dir(task, dfd, &mnt);
      if (!base) p->flags |= MP_PATH_DIR_FAILED;
    }
  }
  struct mp_seen_key k = {.slot = slot, .kind = MP_SEEN_FILE, .a = ops | ((__u64)nr << 32),
                          .b = (__u64)base, .c = h};
  bool fresh = first_time(&k);
  if (!fresh && !(verify_mode && stash_it)) return 0;
  if (mnt && base && (from_fd || p->user[0] != '/')) walk_path(p, base, mnt, task);
  if (fresh) {
    fill_header(&ev->hdr, MP_EV_FILE, w);
    ev->ops = ops;
    ev->nr = nr;
    struct dentry *root = BPF_CORE_READ(task, fs, root.dentry);
    ev->root_ino = BPF_CORE_READ(root, d_inode, i_ino);
    ev->root_dev = BPF_CORE_READ(root, d_sb, s_dev);
    ev->mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
    ev->key = k;
    __u64 tid = bpf_get_current_pid_tgid();
    /* Verify mode waits for a mkdir's result (on_sys_exit); learning emits it now and user
     * space tells an EEXIST apart (observer.cc). */
    if (!(ops == MP_OP_MKDIR && verify_mode &&
          bpf_map_update_elem(&pending_mkdirs, &tid, ev, BPF_ANY) == 0))
      output(ev, sizeof(*ev), &k);
  }
  if (verify_mode && stash_it) {
    __u64 id = bpf_get_current_pid_tgid();
    struct stash *st = bpf_map_lookup_elem(&stashes, &id);
    if (!st) {
      /* Initialise from scratch memory (too big for the stack). */
      bpf_map_update_elem(&stashes, &id, (void *)ev, BPF_ANY);
      st = bpf_map_lookup_elem(&stashes, &id);
      if (!st) return 0;
    }
    st->nr = nr;
    st->ops = ops;
    st->hash = h;
    st->base = (__u64)base;
    bpf_probe_read_kernel(&st->path, sizeof(st->path), p);
  }
  return 0;
}

static __always_inline __u32 open_ops(__u64 flags) {
  __u32 ops = 0;
  if (flags & (O_WRONLY | O_RDWR)) ops |= MP_OP_WRITE;
  if (flags & O_CREAT) ops |= MP_OP_CREATE;
  if (flags & O_TRUNC) ops |= MP_OP_TRUNCATE;
  return ops;
}

/* The *at calls that name the dirfd itself with a NULL path, or with "" and AT_EMPTY_PATH
 * (utimensat, futimesat, setxattrat, removexattrat). */
static __always_inline bool names_the_fd(const char *path, __u64 flags, bool null_ok) {
  if (!path) return null_ok;
  if (!(flags & AT_EMPTY_PATH)) return false;
  char c = 1;
  if (bpf_probe_read_user(&c, 1, path) != 0) return false;
  return c == 0;
}

#define FP(ops_, dfd_, path_, from_fd_, stash_)                                          \
  do {                                                                                 \
    struct fp_args a_ = {.slot = slot, .nr = nr, .ops = (ops_), .dfd = (dfd_),         \
                         .upath = (path_), .from_fd = (from_fd_), .stash_it = (stash_)}; \
    file_path_event(w, &a_);                                                           \
  } while (0)

static __always_inline void file_syscall(__u32 slot, struct mp_workload *w, struct pt_regs *regs,
                                         long nr) {
  __u64 a0 = MP_SYSCALL_ARG0(regs), a1 = MP_SYSCALL_ARG1(regs), a2 = MP_SYSCALL_ARG2(regs),
        a3 = MP_SYSCALL_ARG3(regs);
  __u32 ops = 0;
  switch (nr) {
    case NR_open:
      ops = open_ops(a1);
      if (ops) FP(ops, AT_FDCWD, (const char *)a0, false, true);
      return;
    case NR_creat:
      FP(MP_OP_CREATE | MP_OP_WRITE | MP_OP_TRUNCATE, AT_FDCWD,
                      (const char *)a0, false, true);
      return;
    case NR_openat:
      ops = open_ops(a2);
      if (ops) FP(ops, (int)a0, (const char *)a1, false, true);
      return;
    case NR_openat2: {
      __u64 flags = 0;
      bpf_probe_read_user(&flags, sizeof(flags), (void *)a2);
      ops = open_ops(flags);
      if (ops) FP(ops, (int)a0, (const char *)a1, false, true);
      return;
    }
    case NR_mkdir:
      FP(MP_OP_MKDIR, AT_FDCWD, (const char *)a0, false, true);
      return;
    case NR_mkdirat:
      FP(MP_OP_MKDIR, (int)a0, (const char *)a1, false, true);
      return;
    case NR_unlink:
      FP(MP_OP_UNLINK, AT_FDCWD, (const char *)a0, false, true);
      return;
    case NR_unlinkat:
      FP((a2 & AT_REMOVEDIR) ? MP_OP_RMDIR : MP_OP_UNLINK, (int)a0,
                      (const char *)a1, false, true);
      return;
    case NR_rmdir:
      FP(MP_OP_RMDIR, AT_FDCWD, (const char *)a0, false, true);
      return;
    case NR_rename:
      FP(MP_OP_RENAME, AT_FDCWD, (const char *)a0, false, true);
      FP(MP_OP_REPLACE, AT_FDCWD, (const char *)a1, false, false);
      return;
    case NR_renameat:
    case NR_renameat2: {
      /* RENAME_EXCHANGE swaps the two names: each is also a target. */
      __u32 exchange = nr == NR_renameat2 && (MP_SYSCALL_ARG4(regs) & 2) ? MP_OP_REPLACE : 0;
      FP(MP_OP_RENAME | exchange, (int)a0, (const char *)a1, false, true);
      FP(MP_OP_REPLACE, (int)a2, (const char *)a3, false, false);
      return;
    }
    case NR_link:
      FP(MP_OP_LINK, AT_FDCWD, (const char *)a1, false, true);
      return;
    case NR_linkat:
      FP(MP_OP_LINK, (int)a2, (const char *)a3, false, true);
      return;
    case NR_symlink:
      FP(MP_OP_SYMLINK, AT_FDCWD, (const char *)a1, false, true);
      return;
    case NR_symlinkat:
      FP(MP_OP_SYMLINK, (int)a1, (const char *)a2, false, true);
      return;
    case NR_chmod:
      FP(MP_OP_CHMOD, AT_FDCWD, (const char *)a0, false, true);
      return;
    case NR_fchmodat:
    case NR_fchmodat2:
      FP(MP_OP_CHMOD, (int)a0, (const char *)a1, false, true);
      return;
    case NR_chown:
    case NR_lchown:
      FP(MP_OP_CHOWN, AT_FDCWD, (const char *)a0, false, true);
      return;
    case NR_fchownat:
      FP(MP_OP_CHOWN, (int)a0, (const char *)a1, false, true);
      return;
    case NR_mknod:
      FP(MP_OP_MKNOD, AT_FDCWD, (const char *)a0, false, true);
      return;
    case NR_mknodat:
      FP(MP_OP_MKNOD, (int)a0, (const char *)a1, false, true);
      return;
    case NR_truncate:
      FP(MP_OP_TRUNCATE, AT_FDCWD, (const char *)a0, false, true);
      return;
    case NR_fchmod:
      FP(MP_OP_CHMOD, (int)a0, NULL, true, true);
      return;
    case NR_fchown:
      FP(MP_OP_CHOWN, (int)a0, NULL, true, true);
      return;
    case NR_ftruncate:
      FP(MP_OP_TRUNCATE, (int)a0, NULL, true, true);
      return;
    case NR_utime:
    case NR_utimes:
      FP(MP_OP_UTIME, AT_FDCWD, (const char *)a0, false, true);
      return;
    case NR_futimesat: /* a NULL path: the dirfd itself */
      if (names_the_fd((const char *)a1, 0, (int)a0 != AT_FDCWD))
        FP(MP_OP_UTIME, (int)a0, NULL, true, true);
      else
        FP(MP_OP_UTIME, (int)a0, (const char *)a1, false, true);
      return;
    case NR_utimensat: /* NULL path (futimens) or "" with AT_EMPTY_PATH: the fd itself */
      if (names_the_fd((const char *)a1, a3, (int)a0 != AT_FDCWD))
        FP(MP_OP_UTIME, (int)a0, NULL, true, true);
      else
        FP(MP_OP_UTIME, (int)a0, (const char *)a1, false, true);
      return;
    case NR_setxattr:
    case NR_lsetxattr:
    case NR_removexattr:
    case NR_lremovexattr:
      FP(MP_OP_XATTR, AT_FDCWD, (const char *)a0, false, true);
      return;
    case NR_fsetxattr:
    case NR_fremovexattr:
      FP(MP_OP_XATTR, (int)a0, NULL, true, true);
      return;
    case NR_setxattrat:
    case NR_removexattrat:
      if (names_the_fd((const char *)a1, a2, false))
        FP(MP_OP_XATTR, (int)a0, NULL, true, true);
      else
        FP(MP_OP_XATTR, (int)a0, (const char *)a1, false, true);
      return;
  }
}

static __always_inline bool is_file_syscall(long nr) {
  switch (nr) {
    case NR_open: case NR_creat: case NR_openat: case NR_openat2: case NR_mkdir:
    case NR_mkdirat: case NR_unlink: case NR_unlinkat: case NR_rmdir: case NR_rename:
    case NR_renameat: case NR_renameat2: case NR_link: case NR_linkat: case NR_symlink:
    case NR_symlinkat: case NR_chmod: case NR_fchmodat: case NR_fchmodat2: case NR_chown:
    case NR_lchown: case NR_fchownat: case NR_mknod: case NR_mknodat: case NR_truncate:
    case NR_fchmod: case NR_fchown: case NR_ftruncate: case NR_utime: case NR_utimes:
    case NR_futimesat: case NR_utimensat: case NR_setxattr: case NR_lsetxattr:
    case NR_fsetxattr: case NR_removexattr: case NR_lremovexattr: case NR_fremovexattr:
    case NR_setxattrat: case NR_removexattrat:
      return true;
  }
  return false;
}

/* ---- syscalls + identity + file writes (the hot path) ------------------------------- */

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
  if (!verify_mode) return 0;
  __u32 slot;
  struct mp_workload *w = lookup_workload(current_cgroup_id(bpf_get_current_task_btf()), &slot);
  if (!w) return 0;
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

/* ---- capabilities ------------------------------------------------------------------- */

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

/* ---- execs -------------------------------------------------------------------------- */

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm) {
  __u32 slot;
  struct mp_workload *w = lookup_workload(bpf_get_current_cgroup_id(), &slot);
  if (!w) return 0;
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

/* ---- descendants -------------------------------------------------------------------- */

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(on_cgroup_mkdir, struct cgroup *cgrp, const char *path) {
  if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0) return 0; /* v1 hierarchy */
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
  bpf_map_delete_elem(&cgroups, &id);
  return 0;
}

/* ---- network (cgroup socket hooks: always allow) ------------------------------------ */

static __always_inline void net_event(__u32 slot, struct mp_workload *w, __u8 kind, __u8 proto,
                                      __u16 family, __u16 port, __u32 a0, __u32 a1, __u32 a2,
                                      __u32 a3) {
  struct mp_seen_key k = {.slot = slot, .kind = MP_SEEN_NET,
                          .a = kind | ((__u64)proto << 8) | ((__u64)family << 16) |
                               ((__u64)port << 32),
                          .b = a0 | ((__u64)a1 << 32), .c = a2 | ((__u64)a3 << 32)};
  if (!first_time(&k)) return;
  struct mp_net_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
  if (!ev) {
    bpf_map_delete_elem(&seen, &k);
    count_drop();
    return;
  }
  fill_header(&ev->hdr, MP_EV_NET, w);
  ev->kind = kind;
  ev->protocol = proto;
  ev->family = family;
  ev->port = port;
  ev->pad = 0;
  __u32 *addr = (__u32 *)ev->addr;
  addr[0] = a0;
  addr[1] = a1;
  addr[2] = a2;
  addr[3] = a3;
  ev->key = k;
  bpf_ringbuf_submit(ev, 0);
}

/* UDP conversations, to tell replies from new flows. Unconnected UDP has no connection to
 * attach a direction to: the first datagram between (our local port, peer) decides it. A
 * datagram received first makes the peer a client of ours (ingress to our local port), and
 * what we send back to it is a reply; a datagram sent first makes the peer a server
 * (egress), and what it sends back is a reply. Keyed by watched slot, local port, peer
 * port, family and peer address. LRU: an evicted conversation is decided again by its next
 * datagram (never a fact lost, at worst a reply seen as a new flow). */
#define UDP_FIRST_RECEIVED 1
#define UDP_FIRST_SENT 2

/* True when this datagram continues a conversation the other side started (a reply);
 * otherwise records who started it. */
static __always_inline bool udp_is_reply(__u32 slot, __u16 local_port, __u16 peer_port,
                                         __u32 family, __u32 a0, __u32 a1, __u32 a2,
                                         __u32 a3, __u32 dir) {
  if (local_port == 0) return false;
  struct udp_conv_key k = {.slot = slot, .local_port = local_port, .peer_port = peer_port,
                           .family = family, .addr = {a0, a1, a2, a3}};
  __u32 *first = bpf_map_lookup_elem(&udp_convs, &k);
  if (first) return *first != dir;
  bpf_map_update_elem(&udp_convs, &k, &dir, BPF_NOEXIST);
  return false;
}

/* kind: MP_NET_EGRESS (connect/sendmsg), MP_NET_LISTEN (bind), MP_NET_INGRESS (UDP
 * recvmsg: the address is the datagram's source). */
static __always_inline int sock_addr4(struct bpf_sock_addr *ctx, __u8 kind) {
  __u32 slot;
  struct mp_workload *w = lookup_workload(bpf_get_current_cgroup_id(), &slot);
  if (!w) return 1;
  __u8 proto = ctx->protocol;
  if (proto != MP_PROTO_TCP && proto != MP_PROTO_UDP) return 1;
  __u16 port = bpf_ntohs((__u16)ctx->user_port);
  if (kind == MP_NET_LISTEN && (proto != MP_PROTO_UDP || port == 0)) return 1;
  __u32 ip = ctx->user_ip4;
  __u16 report_port = port;
  if (proto == MP_PROTO_UDP && kind != MP_NET_LISTEN) {
    struct bpf_sock *sk = ctx->sk;
    if (!sk) return 1;
    __u16 local = (__u16)sk->src_port;
    if (kind == MP_NET_INGRESS) {
      if (sk->state == BPF_TCP_ESTABLISHED) return 1; /* connected: its connect is egress */
      report_port = local;
    }
    bool sent = kind == MP_NET_EGRESS;
    if (udp_is_reply(slot, local, port, MP_AF_INET, ip, 0, 0, 0,
                     sent ? UDP_FIRST_SENT : UDP_FIRST_RECEIVED))
      return 1;
  }
  net_event(slot, w, kind, proto, MP_AF_INET, report_port, ip, 0, 0, 0);
  return 1;
}

static __always_inline int sock_addr6(struct bpf_sock_addr *ctx, __u8 kind) {
  __u32 slot;
  struct mp_workload *w = lookup_workload(bpf_get_current_cgroup_id(), &slot);
  if (!w) return 1;
  __u8 proto = ctx->protocol;
  if (proto != MP_PROTO_TCP && proto != MP_PROTO_UDP) return 1;
  __u16 port = bpf_ntohs((__u16)ctx->user_port);
  if (kind == MP_NET_LISTEN && (proto != MP_PROTO_UDP || port == 0)) return 1;
  __u32 a0 = ctx->user_ip6[0], a1 = ctx->user_ip6[1], a2 = ctx->user_ip6[2],
        a3 = ctx->user_ip6[3];
  __u16 report_port = port;
  if (proto == MP_PROTO_UDP && kind != MP_NET_LISTEN) {
    struct bpf_sock *sk = ctx->sk;
    if (!sk) return 1;
    __u16 local = (__u16)sk->src_port;
    if (kind == MP_NET_INGRESS) {
      if (sk->state == BPF_TCP_ESTABLISHED) return 1;
      report_port = local;
    }
    if (udp_is_reply(slot, local, port, MP_AF_INET6, a0, a1, a2, a3,
                     kind == MP_NET_EGRESS ? UDP_FIRST_SENT : UDP_FIRST_RECEIVED))
      return 1;
  }
  net_event(slot, w, kind, proto, MP_AF_INET6, report_port, a0, a1, a2, a3);
  return 1;
}

SEC("cgroup/connect4")
int on_connect4(struct bpf_sock_addr *ctx) { return sock_addr4(ctx, MP_NET_EGRESS); }

SEC("cgroup/connect6")
int on_connect6(struct bpf_sock_addr *ctx) { return sock_addr6(ctx, MP_NET_EGRESS); }

/* Unconnected UDP sends (connected ones went through connect4/6). */
SEC("cgroup/sendmsg4")
int on_sendmsg4(struct bpf_sock_addr *ctx) { return sock_addr4(ctx, MP_NET_EGRESS); }

SEC("cgroup/sendmsg6")
int on_sendmsg6(struct bpf_sock_addr *ctx) { return sock_addr6(ctx, MP_NET_EGRESS); }

/* UDP receives that ask for the source address (recvfrom/recvmsg with msg_name): inbound
 * datagrams of a UDP server. A server must ask for the address to reply to an unconnected
 * peer, so nothing a reply depends on is missed. */
SEC("cgroup/recvmsg4")
int on_recvmsg4(struct bpf_sock_addr *ctx) { return sock_addr4(ctx, MP_NET_INGRESS); }

SEC("cgroup/recvmsg6")
int on_recvmsg6(struct bpf_sock_addr *ctx) { return sock_addr6(ctx, MP_NET_INGRESS); }

/* UDP "listeners": bind() to a fixed port (TCP listeners come from sockops). */
SEC("cgroup/bind4")
int on_bind4(struct bpf_sock_addr *ctx) { return sock_addr4(ctx, MP_NET_LISTEN); }

SEC("cgroup/bind6")
int on_bind6(struct bpf_sock_addr *ctx) { return sock_addr6(ctx, MP_NET_LISTEN); }

SEC("sockops")
int on_sockops(struct bpf_sock_ops *skops) {
  __u32 op = skops->op;
  if (op != BPF_SOCK_OPS_TCP_LISTEN_CB && op != BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB) return 1;
  struct bpf_sock *bsk = skops->sk;
  if (!bsk) return 1;
  struct tcp_sock *tp = bpf_skc_to_tcp_sock(bsk);
  if (!tp) return 1;
  __u64 cgid = BPF_CORE_READ(tp, inet_conn.icsk_inet.sk.sk_cgrp_data.cgroup, kn, id);
  __u32 slot;
  struct mp_workload *w = lookup_workload(cgid, &slot);
  if (!w) return 1;
  __u16 family = skops->family;
  __u16 port = skops->local_port;
  bool listen = op == BPF_SOCK_OPS_TCP_LISTEN_CB;
  __u8 kind = listen ? MP_NET_LISTEN : MP_NET_INGRESS;
  /* Separate branches: the compiler must not select between ctx field addresses. */
  if (family == MP_AF_INET && listen) {
    net_event(slot, w, kind, MP_PROTO_TCP, MP_AF_INET, port, skops->local_ip4, 0, 0, 0);
  } else if (family == MP_AF_INET) {
    net_event(slot, w, kind, MP_PROTO_TCP, MP_AF_INET, port, skops->remote_ip4, 0, 0, 0);
  } else if (family == MP_AF_INET6 && listen) {
    net_event(slot, w, kind, MP_PROTO_TCP, MP_AF_INET6, port, skops->local_ip6[0],
              skops->local_ip6[1], skops->local_ip6[2], skops->local_ip6[3]);
  } else if (family == MP_AF_INET6) {
    net_event(slot, w, kind, MP_PROTO_TCP, MP_AF_INET6, port, skops->remote_ip6[0],
              skops->remote_ip6[1], skops->remote_ip6[2], skops->remote_ip6[3]);
  }
  return 1;
}

/* DNS query names from UDP/TCP packets to port 53. */
SEC("cgroup_skb/egress")
int on_egress(struct __sk_buff *skb) {
  __u32 slot;
  struct mp_workload *w = lookup_workload(bpf_skb_cgroup_id(skb), &slot);
  if (!w) return 1;
  __u32 off = 0;
  __u8 proto = 0;
  if (skb->protocol == bpf_htons(ETH_P_IP)) {
    __u8 vihl;
    __u16 frag;
    if (bpf_skb_load_bytes(skb, 0, &vihl, 1)) return 1;
    if (bpf_skb_load_bytes(skb, 6, &frag, 2)) return 1;
    if (bpf_ntohs(frag) & 0x1fff) return 1;
    if (bpf_skb_load_bytes(skb, 9, &proto, 1)) return 1;
    off = (vihl & 0xf) * 4;
  } else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
    if (bpf_skb_load_bytes(skb, 6, &proto, 1)) return 1;
    off = 40;
  } else {
    return 1;
  }
  __u16 dport;
  if (proto == MP_PROTO_UDP) {
    if (bpf_skb_load_bytes(skb, off + 2, &dport, 2)) return 1;
    if (dport != bpf_htons(53)) return 1;
    off += 8 + 12;
  } else if (proto == MP_PROTO_TCP) {
    __u8 doff;
    if (bpf_skb_load_bytes(skb, off + 2, &dport, 2)) return 1;
    if (dport != bpf_htons(53)) return 1;
    if (bpf_skb_load_bytes(skb, off + 12, &doff, 1)) return 1;
    off += (doff >> 4) * 4 + 2 + 12; /* TCP DNS messages start with a 2-byte length */
  } else {
    return 1;
  }
  if (skb->len <= off) return 1;
  __u32 n = skb->len - off;
  if (n > MP_DNS_MAX - 1) n = MP_DNS_MAX - 1;
  __u32 idx = SCR_DNS;
  struct mp_dns_event *ev = bpf_map_lookup_elem(&scratch, &idx);
  if (!ev) return 1;
  if (n < 1) return 1;
  if (bpf_skb_load_bytes(skb, off, ev->qname, n)) return 1;
  /* The name ends at the first zero byte (root label). */
  __u32 len = 0;
  __u64 h = 14695981039346656037ULL;
  for (__u32 i = 0; i < MP_DNS_MAX - 1; i++) {
    if (i >= n) break;
    __u8 c = ev->qname[i];
    len = i + 1;
    if (c == 0) break;
    h ^= c;
    h *= 1099511628211ULL;
  }
  struct mp_seen_key k = {.slot = slot, .kind = MP_SEEN_DNS, .a = h, .b = len};
  if (!first_time(&k)) return 1;
  fill_header(&ev->hdr, MP_EV_DNS, w);
  ev->len = len;
  ev->pad[0] = ev->pad[1] = ev->pad[2] = 0;
  output(ev, sizeof(*ev), &k);
  return 1;
}
