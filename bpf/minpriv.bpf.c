// SPDX-License-Identifier: GPL-2.0
/* minpriv's CO-RE programs: observe what a watched workload (a cgroup v2 and its
 * descendants) does, filtered and deduplicated in the kernel. Records: bpf/abi/events.h.
 *
 * One object and one skeleton (minpriv.skel.h), assembled here from its parts:
 *   maps.bpf.h                every map, and the setting user space writes before load
 *   arch/arch.h               the target's registers, compat syscalls and syscall numbers
 *                             (arch/x86_64.h; nothing else in bpf/ names one)
 *   helpers/cgroup_filter     attribution: `cgroups` maps a cgroup id (the watched one and
 *                             every descendant, added by user space at Watch() and by the
 *                             cgroup_mkdir program afterwards) to a slot of `workloads`;
 *                             everything else returns after one lookup. Node mode
 *                             (`node_mode`): each cgroup below a watched root has a slot
 *                             of its own (abi/events.h, hooks/cgroups.bpf.h)
 *   helpers/dedup             `seen`: one record per fact, later hits counted in place
 *   helpers/path              paths as the task sees them
 *   hooks/                    one file per hook family: file writes and syscalls
 *                             (sys_enter), mkdir results and denials (sys_exit, verify
 *                             mode), capabilities, descendants (node mode: slots), execs,
 *                             network, DNS
 * The order of the includes below is the order of the definitions in the object. */
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

#include "bpf/hooks/file_writes.bpf.h"
#include "bpf/hooks/syscalls.bpf.h"
#include "bpf/hooks/denials.bpf.h"
#include "bpf/hooks/capabilities.bpf.h"
#include "bpf/hooks/cgroups.bpf.h"
#include "bpf/hooks/exec.bpf.h"
#include "bpf/hooks/network.bpf.h"
#include "bpf/hooks/dns.bpf.h"
