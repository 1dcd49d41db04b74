/* SPDX-License-Identifier: GPL-2.0 */
/* File writes: decoding the file-modifying syscalls (their numbers in bpf/arch/; bind() of
 * a unix socket to a path creates a file too) into
 * deduplicated MP_EV_FILE records, and in verify mode the stash of each call's path for
 * its result (hooks/denials.bpf.h; node mode: only for the cgroups whose denials are
 * watched). Called from on_sys_enter (hooks/syscalls.bpf.h). */
#ifndef MINPRIV_BPF_HOOKS_FILE_WRITES_BPF_H_
#define MINPRIV_BPF_HOOKS_FILE_WRITES_BPF_H_

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "bpf/abi/events.h"
#include "bpf/arch/arch.h"
#include "bpf/helpers/cgroup_filter.bpf.h"
#include "bpf/helpers/dedup.bpf.h"
#include "bpf/helpers/path.bpf.h"
#include "bpf/helpers/uapi.h"
#include "bpf/maps.bpf.h"

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
  bool from_fd = a->from_fd;
  /* Verify mode stashes the path for the call's result; node mode only for the cgroups
   * whose denials are watched (the one lookup the others pay). */
  bool stash_it = verify_mode && a->stash_it && denials_watched(slot, w->workload_id);
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
  if (!fresh && !stash_it) return 0;
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
    /* Verify mode waits for a mkdir's result (on_sys_exit); learning and node mode (whose
     * on_sys_exit is attached only while some cgroup's denials are watched) emit it now and
     * user space tells an EEXIST apart (observer.cc). */
    if (!(ops == MP_OP_MKDIR && verify_mode && !node_mode &&
          bpf_map_update_elem(&pending_mkdirs, &tid, ev, BPF_ANY) == 0))
      output(ev, sizeof(*ev), &k);
  }
  if (stash_it) {
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

#define MP_AF_UNIX 1
#define MP_SUN_PATH_OFFSET 2 /* sun_path follows the 2-byte sun_family */

/* bind() of a unix socket to a path creates the socket file there (as mknod would): a
 * creation by the workload, recorded as "create" of that path, resolved like any other
 * path (relative to the cwd). An abstract name (sun_path[0] == 0) creates no file; other
 * families bind no path. */
static __always_inline void unix_bind(__u32 slot, struct mp_workload *w, long nr,
                                      const char *addr, __u64 len) {
  if (!addr || len <= MP_SUN_PATH_OFFSET) return;
  __u16 family = 0;
  char first = 0;
  if (bpf_probe_read_user(&family, sizeof(family), addr) != 0 || family != MP_AF_UNIX) return;
  if (bpf_probe_read_user(&first, 1, addr + MP_SUN_PATH_OFFSET) != 0 || first == 0) return;
  FP(MP_OP_CREATE, AT_FDCWD, addr + MP_SUN_PATH_OFFSET, false, true);
}

static __always_inline void file_syscall(__u32 slot, struct mp_workload *w, struct pt_regs *regs,
                                         long nr) {
  __u64 a0 = MP_SYSCALL_ARG0(regs), a1 = MP_SYSCALL_ARG1(regs), a2 = MP_SYSCALL_ARG2(regs),
        a3 = MP_SYSCALL_ARG3(regs);
  __u32 ops = 0;
  switch (nr) {
    case NR_bind:
      unix_bind(slot, w, nr, (const char *)a1, a2);
      return;
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
    case NR_bind: case NR_open: case NR_creat: case NR_openat: case NR_openat2: case NR_mkdir:
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

#endif /* MINPRIV_BPF_HOOKS_FILE_WRITES_BPF_H_ */
