/* SPDX-License-Identifier: GPL-2.0 */
/* UAPI constants the programs compare with (macros, so vmlinux.h has none of them). */
#ifndef MINPRIV_BPF_HELPERS_UAPI_H_
#define MINPRIV_BPF_HELPERS_UAPI_H_

#define AT_FDCWD -100
#define AT_REMOVEDIR 0x200
#define AT_EMPTY_PATH 0x1000
#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_TRUNC 01000
#define EEXIST 17
#define EPERM 1
#define EACCES 13
#define EROFS 30
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD

#endif /* MINPRIV_BPF_HELPERS_UAPI_H_ */
