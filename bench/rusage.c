/* rusage CMD [ARG...]: runs CMD, writes its pid to $RUSAGE_PIDFILE (if set), waits, and
 * prints "cpu_user_s cpu_sys_s max_rss_kib" of CMD to stderr (last line); exits with CMD's
 * exit status. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: rusage CMD [ARG...]\n");
    return 2;
  }
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    return 1;
  }
  if (pid == 0) {
    execvp(argv[1], argv + 1);
    perror(argv[1]);
    _exit(127);
  }
  const char* pidfile = getenv("RUSAGE_PIDFILE");
  if (pidfile) {
    FILE* f = fopen(pidfile, "w");
    if (f) {
      fprintf(f, "%d\n", (int)pid);
      fclose(f);
    }
  }
  int status = 0;
  struct rusage ru;
  while (wait4(pid, &status, 0, &ru) < 0) {
  }
  fprintf(stderr, "rusage: %.3f %.3f %ld\n", ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
          ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
