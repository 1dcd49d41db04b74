/* SPDX-License-Identifier: GPL-2.0 */
/* Paths as the task sees them: walking a dentry up to the task's root across mounts, the
 * file behind an fd, the base directory of a relative path, and the hash of a user path. */
#ifndef MINPRIV_BPF_HELPERS_PATH_BPF_H_
#define MINPRIV_BPF_HELPERS_PATH_BPF_H_

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "bpf/abi/events.h"
#include "bpf/helpers/uapi.h"

#define WALK_MAX 40

/* Appends the names from `dentry` up to the task's root (leaf first), crossing mounts.
 * The write offset lives in p->dir_len (map memory) rather than in a register so that the
 * verifier does not track it precisely and can prune the loop's states. */
static __always_inline void walk_path(struct mp_path *p, struct dentry *dentry,
                                      struct vfsmount *vfsmnt, struct task_struct *task) {
  struct dentry *root_dentry = BPF_CORE_READ(task, fs, root.dentry);
  struct vfsmount *root_mnt = BPF_CORE_READ(task, fs, root.mnt);
  __u64 mnt_off = bpf_core_field_offset(struct mount, mnt);
  struct mount *mnt = (struct mount *)((void *)vfsmnt - mnt_off);
  p->dir_len = 0;
  int i;
  for (i = 0; i < WALK_MAX; i++) {
    if (dentry == root_dentry && vfsmnt == root_mnt) break;
    struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
    if (dentry == mnt_root) {
      struct mount *parent = BPF_CORE_READ(mnt, mnt_parent);
      if (!parent || parent == mnt) break; /* namespace root */
      dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
      mnt = parent;
      vfsmnt = (struct vfsmount *)((void *)parent + mnt_off);
      continue;
    }
    struct dentry *up = BPF_CORE_READ(dentry, d_parent);
    if (!up || up == dentry) break;
    __u32 off = p->dir_len;
    if (off > MP_DIR_BUF - MP_NAME_MAX) {
      p->flags |= MP_PATH_DIR_TRUNCATED;
      break;
    }
    const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
    long n = bpf_probe_read_kernel_str(&p->dir[off & (MP_DIR_BUF - 1)], MP_NAME_MAX, name);
    if (n > 0) p->dir_len = off + (n & (MP_NAME_MAX - 1 + MP_NAME_MAX));
    dentry = up;
  }
  if (i == WALK_MAX) p->flags |= MP_PATH_DIR_TRUNCATED;
}

static __always_inline struct file *fd_file(struct task_struct *task, int fd) {
  if (fd < 0) return NULL;
  struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
  if (!fdt) return NULL;
  unsigned int max = BPF_CORE_READ(fdt, max_fds);
  if ((unsigned int)fd >= max) return NULL;
  struct file **arr = BPF_CORE_READ(fdt, fd);
  struct file *f = NULL;
  bpf_probe_read_kernel(&f, sizeof(f), &arr[fd]);
  return f;
}

/* Base directory for a relative path: the dirfd's directory or the cwd. Returns the
 * dentry (dedup identity) or NULL. */
static __always_inline struct dentry *base_dir(struct task_struct *task, int dfd,
                                               struct vfsmount **mnt) {
  if (dfd == AT_FDCWD) {
    *mnt = BPF_CORE_READ(task, fs, pwd.mnt);
    return BPF_CORE_READ(task, fs, pwd.dentry);
  }
  struct file *f = fd_file(task, dfd);
  if (!f) return NULL;
  *mnt = BPF_CORE_READ(f, f_path.mnt);
  return BPF_CORE_READ(f, f_path.dentry);
}

static __always_inline __u64 hash_bytes(const char *s, __u32 len, __u32 max) {
  __u64 h = 14695981039346656037ULL;
  for (__u32 i = 0; i < max; i++) {
    if (i >= len) break;
    h ^= (__u8)s[i];
    h *= 1099511628211ULL;
  }
  return h;
}

#endif /* MINPRIV_BPF_HELPERS_PATH_BPF_H_ */
