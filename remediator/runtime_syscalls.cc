#include "remediator/runtime_syscalls.h"

#include <algorithm>
#include <iterator>

#include "util/syscalls.h"

namespace minpriv::remediator {
namespace {

// What runc 1.1.5's init process itself does after installing the filter, measured on this
// machine with the observer and bpftrace over 10-15 runs each, as root and as uid 1000:
// - noNewPrivileges: true (the filter goes in just before the final execve): close,
//   epoll_ctl, epoll_pwait, execve, fstatfs, futex, getdents64, getpid, nanosleep, openat,
//   rt_sigreturn, write (it closes inherited fds, which needs fstatfs + getdents64 on
//   /proc/self/fd: without them runc fails "ensure /proc/self/fd is on procfs").
// - noNewPrivileges: false (the filter goes in earlier, before the user switch) adds:
//   capget, capset, chdir, faccessat2, fchown (non-root only), fcntl, fstat, getcwd,
//   getppid, newfstatat, prctl, read, setgid, setgroups, setuid.
// Plus the Go runtime's own scheduler, signal and memory calls that runc init can make at
// any moment (preemption, GC): exit, exit_group, gettid, madvise, mmap, munmap,
// rt_sigprocmask, sched_yield, sigaltstack, tgkill. A missing entry here makes container
// start fail at random, so the margin is deliberate. The workload's own start-up (dynamic
// loader, libc) is not listed: learning observes it from the first execve.
const char* const kRuntimeRequired[] = {
    "capget",     "capset",         "chdir",      "close",       "epoll_ctl",   "epoll_pwait",
    "execve",     "exit",           "exit_group", "faccessat2",  "fchown",      "fcntl",
    "fstat",      "fstatfs",        "futex",      "getcwd",      "getdents64",  "getpid",
    "getppid",    "gettid",         "madvise",    "mmap",        "munmap",      "nanosleep",
    "newfstatat", "openat",         "prctl",      "read",        "rt_sigprocmask",
    "rt_sigreturn", "sched_yield",  "setgid",     "setgroups",   "setuid",      "sigaltstack",
    "tgkill",     "write",
};

// What other runtimes do after installing the filter, from their source and issue threads
// (not measurable here: this machine has runc 1.1.5 only). A cluster may run any of them,
// and a profile without these fails container start there:
// - runc >= 1.2.8 / 1.3.3 / 1.4 (the Nov 2025 /proc hardening, CVE-2025-31133/52565/52881):
//   statx (mount-id checks of /proc, fatal when denied) and openat2 (/proc lookups; its
//   fallback walks /proc symlinks with readlinkat) when closing inherited fds, reading
//   /proc/self/setgroups and reopening the exec fifo (cyphar/filepath-securejoin
//   pathrs-lite/internal/procfs; security-profiles-operator PR #3041; runc issue #4984).
// - runc 1.2 / 1.3: close_range(CLOSE_RANGE_CLOEXEC) in finalizeNamespace
//   (libcontainer/utils/utils_unix.go CloseExecFrom).
// - crun 1.x: setresuid/setresgid (set_required_caps after libcrun_apply_seccomp),
//   pselect6 (select() on the exec fifo), umask (exec path), close_range
//   (mark_or_close_fds_ge_than before execv); src/libcrun/linux.c, container.c.
// - faccessat without faccessat2 (ENOSYS/EPERM): Go's x/sys and glibc emulate AT_EACCESS
//   with fstatat plus geteuid, getegid and getgroups.
const char* const kOtherRuntimesRequired[] = {
    "close_range", "getegid", "geteuid", "getgroups", "openat2", "pselect6",
    "readlinkat",  "setresgid", "setresuid", "statx",  "umask",
};

// Source: moby/moby profiles/seccomp/default.json (commit 00f3d189e420d485e42d15fe494f96d272284e0e),
// the profile containerd and Docker apply as "RuntimeDefault". This is its first rule, the
// one allowed with no condition, verbatim (it names syscalls of every architecture; names
// that do not exist on x86_64, e.g. chown32, are dropped when the set is built below).
const char* const kMobyDefaultUnconditional[] = {
    "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "capget", "capset",
    "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64", "clock_getres",
    "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
    "clock_nanosleep_time64", "close", "close_range", "connect", "copy_file_range", "creat",
    "dup", "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old",
    "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2",
    "execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64",
    "fadvise64_64", "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchown",
    "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr",
    "flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs",
    "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex", "futex_time64", "futex_waitv",
    "futimesat", "getcpu", "getcwd", "getdents", "getdents64", "getegid", "getegid32",
    "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getitimer",
    "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom",
    "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "get_robust_list",
    "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area", "gettid",
    "gettimeofday", "getuid", "getuid32", "getxattr", "inotify_add_watch", "inotify_init",
    "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents",
    "io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup",
    "io_submit", "io_uring_enter", "io_uring_register", "io_uring_setup", "ipc", "kill",
    "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown",
    "lchown32", "lgetxattr", "link", "linkat", "listen", "listxattr", "llistxattr", "_llseek",
    "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise", "membarrier",
    "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock",
    "mlock2", "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_open",
    "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64",
    "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock",
    "munlockall", "munmap", "name_to_handle_at", "nanosleep", "newfstatat", "_newselect",
    "open", "openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2",
    "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl",
    "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease", "pselect6",
    "pselect6_time64", "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink",
    "readlinkat", "readv", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg",
    "remap_file_pages", "removexattr", "rename", "renameat", "renameat2", "restart_syscall",
    "rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo",
    "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64",
    "rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr", "sched_getparam",
    "sched_get_priority_max", "sched_get_priority_min", "sched_getscheduler",
    "sched_rr_get_interval", "sched_rr_get_interval_time64", "sched_setaffinity",
    "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp",
    "select", "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send",
    "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsgid32",
    "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setitimer",
    "setpgid", "setpriority", "setregid", "setregid32", "setresgid", "setresgid32",
    "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit", "set_robust_list",
    "setsid", "setsockopt", "set_thread_area", "set_tid_address", "setuid", "setuid32",
    "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd",
    "signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair", "splice", "stat",
    "stat64", "statfs", "statfs64", "statx", "symlink", "symlinkat", "sync",
    "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create",
    "timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime",
    "timer_settime64", "timerfd_create", "timerfd_gettime", "timerfd_gettime64",
    "timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate", "truncate64",
    "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "utime", "utimensat",
    "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid", "write",
    "writev",
};

// Further rules of the same profile that apply on x86_64 with no capability condition:
// arch_prctl and modify_ldt (amd64-only rules), ptrace / process_vm_readv /
// process_vm_writev (minKernel 4.8), and socket, personality and clone, which are allowed
// with argument filters (socket except AF_VSOCK, a few personality values, clone without
// namespace flags). They count as "allowed by RuntimeDefault" when comparing.
const char* const kMobyDefaultX86Extra[] = {
    "arch_prctl", "clone", "modify_ldt", "personality", "process_vm_readv",
    "process_vm_writev", "ptrace", "socket",
};

std::vector<std::string> SortedX86(std::initializer_list<const char* const*> ranges_begin,
                                   std::initializer_list<size_t> sizes) {
  std::vector<std::string> out;
  auto size_it = sizes.begin();
  for (const char* const* begin : ranges_begin) {
    for (size_t i = 0; i < *size_it; ++i) {
      if (util::SyscallNumber(begin[i]).has_value()) out.emplace_back(begin[i]);
    }
    ++size_it;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

const std::vector<std::string>& RuncMeasuredSyscalls() {
  static const std::vector<std::string>* const kList = new std::vector<std::string>(
      SortedX86({kRuntimeRequired}, {std::size(kRuntimeRequired)}));
  return *kList;
}

const std::vector<std::string>& RuntimeRequiredSyscalls() {
  static const std::vector<std::string>* const kList = new std::vector<std::string>(
      SortedX86({kRuntimeRequired, kOtherRuntimesRequired},
                {std::size(kRuntimeRequired), std::size(kOtherRuntimesRequired)}));
  return *kList;
}

const std::vector<std::string>& RuntimeDefaultSyscalls() {
  static const std::vector<std::string>* const kList = new std::vector<std::string>(
      SortedX86({kMobyDefaultUnconditional, kMobyDefaultX86Extra},
                {std::size(kMobyDefaultUnconditional), std::size(kMobyDefaultX86Extra)}));
  return *kList;
}

const std::vector<std::string>& RuntimeDefaultCapabilities() {
  // containerd pkg/oci DefaultCaps / moby oci/caps/defaults.go, sorted.
  static const std::vector<std::string>* const kList = new std::vector<std::string>{
      "AUDIT_WRITE", "CHOWN",  "DAC_OVERRIDE", "FOWNER",           "FSETID",
      "KILL",        "MKNOD",  "NET_BIND_SERVICE", "NET_RAW",      "SETFCAP",
      "SETGID",      "SETPCAP", "SETUID",      "SYS_CHROOT",
  };
  return *kList;
}

}  // namespace minpriv::remediator
