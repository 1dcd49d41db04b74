/* A small TCP service for verify tests: listens on 127.0.0.1:PORT, and for every
 * connection reads the request, connects to a backend on 127.0.0.1:BACKEND (optional),
 * writes a cache file under DIR and answers HTTP 200 (500 when a step failed), so an
 * exercise with `curl -f` fails when the workload is broken.
 *
 * --misbehave makes each request also step outside what learning saw:
 *   write     create FORBIDDEN (a path outside DIR)
 *   syscall   call sysinfo(2), which the well-behaved program never makes
 *   cap       bind a socket to 127.0.0.1:1, a privileged port (needs CAP_NET_BIND_SERVICE;
 *             bind(2) itself is in the learned profile, so seccomp lets it through)
 *   peer      connect to 127.0.0.1:NEWPEER as well
 * (comma-separated, or "all").
 *
 * usage: vprog --port P --dir DIR [--backend P] [--misbehave LIST] [--forbidden PATH]
 *              [--new-peer P]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

static int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr*)&a, sizeof(a)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int main(int argc, char** argv) {
  int port = 0, backend = 0, new_peer = 0;
  const char* dir = NULL;
  const char* misbehave = "";
  const char* forbidden = "/var/tmp/minpriv-vprog-forbidden";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--backend")) backend = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--dir")) dir = argv[i + 1];
    else if (!strcmp(argv[i], "--misbehave")) misbehave = argv[i + 1];
    else if (!strcmp(argv[i], "--forbidden")) forbidden = argv[i + 1];
    else if (!strcmp(argv[i], "--new-peer")) new_peer = atoi(argv[i + 1]);
    else {
      fprintf(stderr, "vprog: unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  if (!port || !dir) {
    fprintf(stderr, "usage: vprog --port P --dir DIR [--backend P] [--misbehave LIST]\n");
    return 2;
  }
  int all = strcmp(misbehave, "all") == 0;
  int bad_write = all || strstr(misbehave, "write") != NULL;
  int bad_syscall = all || strstr(misbehave, "syscall") != NULL;
  int bad_cap = all || strstr(misbehave, "cap") != NULL;
  int bad_peer = all || strstr(misbehave, "peer") != NULL;

  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  int ls = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(ls, (struct sockaddr*)&a, sizeof(a)) != 0 || listen(ls, 16) != 0) {
    perror("vprog: bind/listen");
    return 1;
  }
  fprintf(stderr, "vprog: listening on 127.0.0.1:%d\n", port);
  unsigned long served = 0;
  while (!stop) {
    int c = accept(ls, NULL, NULL);
    if (c < 0) {
      if (errno == EINTR) continue;
      break;
    }
    char buf[256];
    ssize_t n = read(c, buf, sizeof(buf) - 1);
    (void)n;
    const char* answer = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n";
    const char* failed = "HTTP/1.0 500 Internal Server Error\r\nContent-Length: 7\r\n\r\nfailed\n";
    if (backend) {
      int b = connect_to(backend);
      if (b < 0) {
        answer = failed;
      } else {
        if (write(b, "ping\n", 5) < 0) answer = failed;
        close(b);
      }
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/cache-%lu", dir, served % 4);
    int f = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f < 0 || write(f, "cached\n", 7) != 7) answer = failed;
    if (f >= 0) close(f);
    if (bad_write) {
      int g = open(forbidden, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (g >= 0) close(g);
    }
    if (bad_syscall) {
      struct sysinfo si;
      (void)syscall(SYS_sysinfo, &si);
    }
    if (bad_cap) {
      int s = socket(AF_INET, SOCK_STREAM, 0);
      struct sockaddr_in p = {.sin_family = AF_INET, .sin_port = htons(1)};
      p.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      (void)bind(s, (struct sockaddr*)&p, sizeof(p));
      close(s);
    }
    if (bad_peer && new_peer) {
      int p = connect_to(new_peer);
      if (p >= 0) close(p);
    }
    if (write(c, answer, strlen(answer)) < 0) {
      /* client went away */
    }
    close(c);
    ++served;
  }
  close(ls);
  fprintf(stderr, "vprog: served %lu requests\n", served);
  return 0;
}
