/* Syscall-heavy benchmark loop: N one-byte write()s to /dev/null, prints ns per call of
 * the process's own CPU time (CLOCK_PROCESS_CPUTIME_ID: user + system, including BPF programs
 * run in its syscalls), so other load on the machine does not count. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  if (n <= 0) {
    fprintf(stderr, "usage: write_loop [N>0]\n");
    return 2;
  }
  int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    perror("open /dev/null");
    return 1;
  }
  struct timespec a, b;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
  for (long i = 0; i < n; ++i) {
    if (write(fd, "x", 1) != 1) {
      perror("write");
      return 1;
    }
  }
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
  double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
  printf("%.1f\n", ns / (double)n);
  return 0;
}
