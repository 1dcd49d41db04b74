/* SPDX-License-Identifier: GPL-2.0 */
/* cgroup_mkdir/rmdir: descendants of a watched cgroup are watched as its workload. */
#ifndef MINPRIV_BPF_HOOKS_CGROUPS_BPF_H_
#define MINPRIV_BPF_HOOKS_CGROUPS_BPF_H_

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/helpers/cgroup_filter.bpf.h"
#include "bpf/maps.bpf.h"

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

#endif /* MINPRIV_BPF_HOOKS_CGROUPS_BPF_H_ */
