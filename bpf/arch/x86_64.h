/* SPDX-License-Identifier: GPL-2.0 */
/* x86_64 specifics, the only place in bpf/ that names a register or a syscall number:
 * the syscall ABI's argument registers in pt_regs, how a 32-bit (compat) syscall is told
 * apart, and the x86_64 numbers of the syscalls the programs decode (file writes).
 * Included through bpf/arch/arch.h (-D__TARGET_ARCH_x86). */
#ifndef MINPRIV_BPF_ARCH_X86_64_H_
#define MINPRIV_BPF_ARCH_X86_64_H_

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>

#include "bpf/abi/events.h"

/* Arguments of the syscall being entered (tp_btf/sys_enter's pt_regs), in the order of the
 * syscall ABI: rdi, rsi, rdx, r10, r8. CO-RE reads. */
#define MP_SYSCALL_ARG0(regs) BPF_CORE_READ(regs, di)
#define MP_SYSCALL_ARG1(regs) BPF_CORE_READ(regs, si)
#define MP_SYSCALL_ARG2(regs) BPF_CORE_READ(regs, dx)
#define MP_SYSCALL_ARG3(regs) BPF_CORE_READ(regs, r10)
#define MP_SYSCALL_ARG4(regs) BPF_CORE_READ(regs, r8)

/* Number of the syscall returning (tp_btf/sys_exit's pt_regs): one BTF load. */
#define MP_SYSCALL_NR(regs) ((regs)->orig_ax)

/* A 32-bit syscall (int 0x80 even from 64-bit code, sysenter, a 32-bit task's syscall) is
 * numbered by the i386 table: the kernel marks it TS_COMPAT in thread_info.status before
 * sys_enter (and clears it on return). One load from the task. */
#define TS_COMPAT 0x0002 /* arch/x86/include/asm/thread_info.h */

#define MP_IN_COMPAT_SYSCALL(task) (((task)->thread_info.status & TS_COMPAT) != 0)

/* The ABI tags of records (bpf/abi/events.h) for native and compat syscalls. */
#define MP_ARCH_ABI_NATIVE MP_ABI_X86_64
#define MP_ARCH_ABI_COMPAT MP_ABI_I386

/* x86_64 syscall numbers of the file-modifying calls. */
#define NR_open 2
#define NR_bind 49
#define NR_truncate 76
#define NR_ftruncate 77
#define NR_rename 82
#define NR_mkdir 83
#define NR_rmdir 84
#define NR_creat 85
#define NR_link 86
#define NR_unlink 87
#define NR_symlink 88
#define NR_chmod 90
#define NR_fchmod 91
#define NR_chown 92
#define NR_fchown 93
#define NR_lchown 94
#define NR_utime 132
#define NR_mknod 133
#define NR_setxattr 188
#define NR_lsetxattr 189
#define NR_fsetxattr 190
#define NR_removexattr 197
#define NR_lremovexattr 198
#define NR_fremovexattr 199
#define NR_utimes 235
#define NR_openat 257
#define NR_mkdirat 258
#define NR_mknodat 259
#define NR_fchownat 260
#define NR_futimesat 261
#define NR_unlinkat 263
#define NR_renameat 264
#define NR_linkat 265
#define NR_symlinkat 266
#define NR_fchmodat 268
#define NR_utimensat 280
#define NR_renameat2 316
#define NR_openat2 437
#define NR_fchmodat2 452
#define NR_setxattrat 463
#define NR_removexattrat 466

#endif /* MINPRIV_BPF_ARCH_X86_64_H_ */
