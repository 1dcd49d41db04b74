/* minpriv event ABI: the one definition of every record the BPF programs put on the ring
 * buffer and of the maps user space reads or writes. Included by bpf/minpriv.bpf.c (with
 * vmlinux.h, which provides the __u* types) and by observer/ (with <linux/types.h>).
 * Fixed-width types, explicit padding; observer/decoder.cc static_asserts sizes and
 * offsets. Bump MINPRIV_ABI_VERSION on any change. */
#ifndef MINPRIV_BPF_ABI_EVENTS_H_
#define MINPRIV_BPF_ABI_EVENTS_H_

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define MINPRIV_ABI_VERSION 6

#define MP_MAX_WORKLOADS 64        /* watched cgroups (slots of the workloads array) */
#define MP_MAX_CGROUPS 8192        /* watched cgroups plus their descendants */
#define MP_NODE_DEFAULT_SLOTS 4096 /* node mode: tracked cgroups (sized at load time) */
#define MP_MAX_ROOTS 16            /* node mode: watched roots */
#define MP_ROOT_DEPTH 16           /* node mode: levels searched above a new cgroup */
#define MP_CGROUP_PATH_MAX 1024    /* cgroup path (the kernel's TRACE_CGROUP_PATH_LEN) */
#define MP_MAX_SYSCALLS 512        /* syscall numbers observed per ABI */
#define MP_SYSCALL_BITS 1024       /* bitmap bits per workload: x86_64, then i386 */
#define MP_USER_PATH_MAX 1024      /* path string as passed by the workload */
#define MP_DIR_BUF 4096            /* dentry components (leaf first, NUL separated) */
#define MP_NAME_MAX 256            /* one component, including its NUL */
#define MP_STACK_DEPTH 16          /* kernel frames kept for a capability check */
#define MP_STACK_HASH_DEPTH 8      /* frames that take part in the dedup key */
#define MP_DNS_MAX 256             /* DNS query name bytes (wire format) */
#define MP_COMM_LEN 16

enum mp_event_type {
  MP_EV_SYSCALL = 1,
  MP_EV_IDENTITY = 2,
  MP_EV_CAPABILITY = 3,
  MP_EV_FILE = 4,
  MP_EV_EXEC = 5,
  MP_EV_NET = 6,
  MP_EV_DNS = 7,
  MP_EV_DENIAL = 8,
  MP_EV_CGROUP = 9, /* node mode: a tracked cgroup's life (struct mp_cgroup_event) */
};

/* File operations as a bit mask (one event may carry several, e.g. O_CREAT|O_TRUNC). */
enum mp_file_op {
  MP_OP_WRITE = 1u << 0,
  MP_OP_CREATE = 1u << 1,
  MP_OP_TRUNCATE = 1u << 2,
  MP_OP_MKDIR = 1u << 3,
  MP_OP_UNLINK = 1u << 4,
  MP_OP_RMDIR = 1u << 5,
  MP_OP_RENAME = 1u << 6,
  MP_OP_LINK = 1u << 7,
  MP_OP_SYMLINK = 1u << 8,
  MP_OP_CHMOD = 1u << 9,
  MP_OP_CHOWN = 1u << 10,
  MP_OP_MKNOD = 1u << 11,
  MP_OP_UTIME = 1u << 12, /* timestamps set (utime, utimes, futimesat, utimensat) */
  MP_OP_XATTR = 1u << 13, /* extended attribute set or removed */
  MP_OP_REPLACE = 1u << 14, /* the target of a rename: another file now has this name */
};

/* Capability event flags. */
/* Checked with credentials other than the task's own that give more than its own
 * (override_creds: overlayfs acting as its mounter, ...): not a capability the workload
 * itself uses. */
#define MP_CAP_OTHER_CREDS (1u << 0)

/* Path block flags. */
#define MP_PATH_USER_TRUNCATED (1u << 0) /* user string longer than MP_USER_PATH_MAX */
#define MP_PATH_DIR_TRUNCATED (1u << 1)  /* dentry walk hit a bound before the root */
#define MP_PATH_DIR_FAILED (1u << 2)     /* no base directory (bad dirfd, no fs) */
#define MP_PATH_FROM_FD (1u << 3)        /* the object is the fd itself (fchmod & co.) */

enum mp_net_kind {
  MP_NET_LISTEN = 1,  /* TCP listen() or UDP bind() to a fixed port; addr = local */
  MP_NET_INGRESS = 2, /* accepted TCP connection; addr = peer, port = local port */
  MP_NET_EGRESS = 3,  /* TCP connect, UDP connect/sendmsg; addr/port = peer */
  /* MP_NET_INGRESS for UDP: a datagram received on an unconnected socket (recvmsg with
   * an address); addr = its source, port = our local port. */
};

#define MP_AF_INET 2
#define MP_AF_INET6 10
#define MP_PROTO_TCP 6
#define MP_PROTO_UDP 17

/* Dedup: the `seen` map (LRU hash) holds one key per fact already reported, and as value
 * the number of times the kernel met that fact (struct mp_seen_value). The first hit
 * emits a record that carries its key; every later hit only adds 1 to `hits`. User space
 * reads the map at Drain()/Detach() and reports hits beyond the first as counts. */
enum mp_seen_kind {
  MP_SEEN_IDENTITY = 1,
  MP_SEEN_CAP = 2,
  MP_SEEN_FILE = 3,
  MP_SEEN_EXEC = 4,
  MP_SEEN_NET = 5,
  MP_SEEN_DNS = 6,
  MP_SEEN_DENIAL = 7,
};

struct mp_seen_key {
  __u32 slot; /* workloads array slot */
  __u32 kind; /* enum mp_seen_kind; 0 in a record: not counted */
  __u64 a;
  __u64 b;
  __u64 c;
};

struct mp_seen_value {
  __u64 hits; /* times the fact occurred since the key was inserted (the first included) */
};

/* Every record starts with this header. */
struct mp_event_header {
  __u32 type;        /* enum mp_event_type */
  __u32 pid;         /* tgid */
  __u64 ts_boot_ns;  /* bpf_ktime_get_boot_ns() */
  __u64 workload_id; /* cgroup id of the watched cgroup (not the descendant) */
  char comm[MP_COMM_LEN];
};

/* The syscall ABI: 64-bit, or a 32-bit call (int 0x80, sysenter, or a 32-bit task's
 * syscall instruction), which numbers syscalls differently (i386 table). */
enum mp_syscall_abi {
  MP_ABI_X86_64 = 0,
  MP_ABI_I386 = 1,
};

struct mp_syscall_event {
  struct mp_event_header hdr;
  __u32 nr;
  __u32 abi; /* enum mp_syscall_abi */
};

struct mp_identity_event {
  struct mp_event_header hdr;
  __u32 uid;
  __u32 gid;
};

struct mp_capability_event {
  struct mp_event_header hdr;
  __u32 cap;
  __s32 ret; /* 0: allowed */
  __u32 nframes;
  __u32 flags; /* MP_CAP_* */
  struct mp_seen_key key;
  __u64 stack[MP_STACK_DEPTH];
};

/* A path as the workload named it: the user string, and when it is relative (or the
 * object is an fd), the base directory as dentry names from the leaf up to the task's
 * root (each NUL terminated). User space joins and normalises. */
struct mp_path {
  __u16 user_len; /* bytes of user[] including the NUL, 0 if none */
  __u16 dir_len;  /* bytes used in dir[] */
  __u16 flags;    /* MP_PATH_* */
  __u16 pad;
  char user[MP_USER_PATH_MAX];
  char dir[MP_DIR_BUF + MP_NAME_MAX];
};

struct mp_file_event {
  struct mp_event_header hdr;
  __u32 ops; /* enum mp_file_op mask */
  __u32 nr;  /* syscall number */
  /* The task's root directory (what the path is relative to): inode number and the
   * kernel's dev_t (MAJOR << 20 | MINOR) of its file system. */
  __u64 root_ino;
  __u32 root_dev;
  __u32 mnt_ns; /* inode number of the task's mount namespace (/proc/PID/ns/mnt) */
  struct mp_seen_key key;
  struct mp_path path;
};

struct mp_exec_event {
  struct mp_event_header hdr;
  __u32 privilege_gain; /* 1: setuid/setgid or file capabilities raised privileges */
  __u32 pad;
  struct mp_seen_key key;
  struct mp_path path; /* dir[] = components of the executed file, leaf first */
};

struct mp_net_event {
  struct mp_event_header hdr;
  __u8 kind;     /* enum mp_net_kind */
  __u8 protocol; /* MP_PROTO_* */
  __u16 family;  /* MP_AF_* */
  __u16 port;    /* host byte order */
  __u16 pad;
  __u8 addr[16]; /* network byte order; IPv4 in the first 4 bytes */
  struct mp_seen_key key;
};

struct mp_dns_event {
  struct mp_event_header hdr;
  __u16 len; /* bytes of qname[] copied */
  __u16 pad[3];
  __u8 qname[MP_DNS_MAX]; /* wire format labels */
};

/* Verify mode: a syscall a watched workload saw fail with EPERM/EACCES/EROFS. */
struct mp_denial_event {
  struct mp_event_header hdr;
  __u32 nr;
  __s32 error; /* positive errno */
  __u32 ops;   /* file op mask if the syscall modifies a path, else 0 */
  __u16 has_path;
  __u16 abi; /* enum mp_syscall_abi: which table `nr` is from */
  struct mp_path path;
};

/* Node mode (observer/node_observer.h): every cgroup created below a watched root (the
 * `roots` map) takes a slot of its own from the `free_slots` queue in cgroup_mkdir and is
 * announced by an MP_CGROUP_CREATED record that precedes every record of that cgroup in
 * the ring buffer (it is reserved before the cgroup is tracked). cgroup_rmdir announces
 * MP_CGROUP_REMOVED after its last record; user space then frees the slot's state and
 * returns the slot to the queue. The first successful execve in a tracked cgroup is
 * announced by MP_CGROUP_EXEC (before its exec record): what came before is the
 * runtime's; the syscall bitmap and the dedup keys start again there (mp_workload). hdr.workload_id is the cgroup's id in all three. */
enum mp_cgroup_change {
  MP_CGROUP_CREATED = 1,
  MP_CGROUP_REMOVED = 2,
  MP_CGROUP_EXEC = 3,
};

struct mp_cgroup_event {
  struct mp_event_header hdr;
  __u64 cgroup_id;
  __u32 slot;
  __u16 change;   /* enum mp_cgroup_change */
  __u16 path_len; /* MP_CGROUP_CREATED: bytes of path[] including the NUL, else 0 */
};

/* MP_CGROUP_CREATED: the path the cgroup_mkdir tracepoint gives, from the root of the
 * cgroup v2 hierarchy ("/kubepods/besteffort/pod.../ID"). */
struct mp_cgroup_created_event {
  struct mp_cgroup_event ev;
  char path[MP_CGROUP_PATH_MAX];
};

/* Key of the `udp_convs` map (bpf/maps.bpf.h): a UDP conversation of a watched slot. */
struct udp_conv_key {
  __u32 slot;
  __u16 local_port; /* host byte order */
  __u16 peer_port;  /* host byte order */
  __u32 family;
  __u32 addr[4];
};

/* Value of the workloads array (one slot per watched cgroup). */
struct mp_workload {
  __u64 syscalls[MP_SYSCALL_BITS / 64]; /* bit nr: x86_64; MP_MAX_SYSCALLS + nr: i386 */
  __u64 workload_id; /* 0: free slot */
  __u32 last_uid;
  __u32 last_gid;
  __u64 flags; /* node mode: MP_WORKLOAD_* */
};

/* Node mode: the slot's cgroup made its first exec (the workload runs). From then on the
 * `slot` of its dedup keys and UDP conversations carries MP_SLOT_WORKLOAD_PHASE, so that
 * what the workload does is reported even when the runtime did it first. */
#define MP_WORKLOAD_RUNNING 1ull
#define MP_SLOT_WORKLOAD_PHASE (1u << 31)

/* Direct-mapped cache in front of the `cgroups` hash map, so that the sys_enter hot path
 * decides "not watched" without a helper call (calls are costly with return-stack
 * mitigations). Entry i holds one watched cgroup whose id hashes to i. Entries are never
 * cleared: a mismatch (another id) falls back to the hash map; an empty entry (id 0) means
 * no watched cgroup hashes there. Written by user space (Watch) and by cgroup_mkdir. */
#define MP_CGROUP_CACHE_BITS 12
#define MP_CGROUP_CACHE_SIZE (1u << MP_CGROUP_CACHE_BITS)

struct mp_cgroup_slot {
  __u64 cgroup_id; /* 0: empty */
  __u32 slot;      /* index into the workloads array */
  __u32 pad;
};

static inline __u32 mp_cgroup_cache_index(__u64 cgroup_id) {
  return (__u32)((cgroup_id * 0x9E3779B97F4A7C15ULL) >> (64 - MP_CGROUP_CACHE_BITS));
}

/* Node mode: a cgroup is cached in its first entry or, when that one holds another live
 * cgroup, in this second one (another hash: cgroup ids come in strides of the kernfs nodes
 * each cgroup creates, which the first spreads unevenly). A tracked cgroup in neither is
 * found in the hash map. */
static inline __u32 mp_cgroup_cache_index2(__u64 cgroup_id) {
  __u64 x = cgroup_id ^ (cgroup_id >> 31);
  return (__u32)((x * 0xBF58476D1CE4E5B9ULL) >> (64 - MP_CGROUP_CACHE_BITS));
}

#endif /* MINPRIV_BPF_ABI_EVENTS_H_ */
