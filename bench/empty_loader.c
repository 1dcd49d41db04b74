/* Loads and attaches bench/empty_sys_enter.bpf.o (embedded skeleton), prints "attached",
 * and keeps it attached until SIGINT/SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "empty_sys_enter.skel.h"

static volatile sig_atomic_t stop;
static void on_signal(int sig) { stop = sig; }

int main(void) {
  struct empty_sys_enter_bpf* skel = empty_sys_enter_bpf__open_and_load();
  if (!skel) {
    fprintf(stderr, "empty_loader: cannot load the empty sys_enter program\n");
    return 1;
  }
  if (empty_sys_enter_bpf__attach(skel) != 0) {
    fprintf(stderr, "empty_loader: cannot attach to tp_btf/sys_enter\n");
    empty_sys_enter_bpf__destroy(skel);
    return 1;
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  printf("attached\n");
  fflush(stdout);
  while (!stop) pause();
  empty_sys_enter_bpf__destroy(skel);
  return 0;
}
