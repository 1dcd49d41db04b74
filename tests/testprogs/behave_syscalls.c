/* behave's syscall behaviours: calls a profile would deny (an EROFS write, a seccomp
 * EPERM) for verify mode, and 32-bit calls by int 0x80 from 64-bit code. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "behave.h"

static volatile sig_atomic_t alarmed;
static void OnAlarm(int sig) {
  (void)sig;
  alarmed = 1;
}

/* A signal handled while rax holds -1: the handler returns through rt_sigreturn, whose exit
 * the kernel reports with syscall number -1 (orig_ax) and the restored rax, -1, which reads
 * as -EPERM. Not a syscall's result, not a denial. */
static int InterruptedWithRaxMinusOne(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnAlarm;
  CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
  struct itimerval it = {{0, 0}, {0, 1000}};
  CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
  __asm__ volatile("mov $-1, %%rax\n1: cmpl $0, %0\n je 1b" : : "m"(alarmed) : "rax", "memory", "cc");
  return 0;
}

int Verify(const char* workdir) {
  if (InterruptedWithRaxMinusOne() != 0) return 1;

  /* EROFS: a read-only bind mount in a private mount namespace. */
  char ro[4096];
  snprintf(ro, sizeof(ro), "%s/ro", workdir);
  CHECK(mkdir(ro, 0755) == 0 || errno == EEXIST);
  CHECK(unshare(CLONE_NEWNS) == 0);
  CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
  CHECK(mount(ro, ro, NULL, MS_BIND, NULL) == 0);
  CHECK(mount(NULL, ro, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) == 0);
  CHECK(chdir(ro) == 0);
  int fd = open("denied.txt", O_WRONLY | O_CREAT, 0644);
  CHECK(fd < 0 && errno == EROFS);

  /* Seccomp: getcpu returns EPERM. */
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getcpu, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {.len = sizeof(filter) / sizeof(filter[0]), .filter = filter};
  CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
  CHECK(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0);
  unsigned cpu, node;
  CHECK(syscall(SYS_getcpu, &cpu, &node, NULL) == -1 && errno == EPERM);
  return 0;
}

static long Int80(long nr) {
  long r;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr) : "memory");
  return r;
}

int I386(void) {
  CHECK(Int80(20) == getpid()); /* i386 getpid */
  CHECK(Int80(199) == (long)getuid()); /* i386 getuid32 */
  return 0;
}
