/* SPDX-License-Identifier: GPL-2.0 */
/* The architecture's specifics for the target being compiled (clang -D__TARGET_ARCH_...):
 * what every other file in bpf/ includes instead of naming a register or syscall number. */
#ifndef MINPRIV_BPF_ARCH_ARCH_H_
#define MINPRIV_BPF_ARCH_ARCH_H_

#if defined(__TARGET_ARCH_x86)
#include "bpf/arch/x86_64.h"
#else
#error "minpriv's BPF programs know x86_64 only (build with -D__TARGET_ARCH_x86)"
#endif

#endif /* MINPRIV_BPF_ARCH_ARCH_H_ */
