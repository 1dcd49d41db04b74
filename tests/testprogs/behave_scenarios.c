/* behave's composite workloads: `learn` (a bit of everything, in the watched cgroup),
 * `other` (in an unwatched cgroup), `sub` (in a child cgroup) and `count` (each action a
 * known number of times). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "behave.h"

static void RunAndWait(char* const argv[]) {
  pid_t p = fork();
  CHECK(p >= 0);
  if (p == 0) {
    execv(argv[0], argv);
    _exit(127);
  }
  int st;
  CHECK(waitpid(p, &st, 0) == p);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int Learn(const char* workdir, int tcp_port, int udp_port, int udp_listen_port) {
  /* Relative-path writes after chdir, mkdir, rename, chown (CAP_CHOWN), dirfd. */
  CHECK(chdir(workdir) == 0);
  CHECK(mkdir("sub", 0755) == 0);
  int fd = open("sub/rel.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  CHECK(fd >= 0);
  CHECK(write(fd, "hi", 2) == 2);
  close(fd);
  CHECK(rename("sub/rel.txt", "sub/renamed.txt") == 0);
  CHECK(chown("sub/renamed.txt", 4242, 4242) == 0);
  int dfd = open("sub", O_RDONLY | O_DIRECTORY);
  CHECK(dfd >= 0);
  fd = openat(dfd, "../viafd.txt", O_WRONLY | O_CREAT, 0600);
  CHECK(fd >= 0);
  close(fd);
  close(dfd);
  fd = open("sub/renamed.txt", O_RDONLY);
  CHECK(fd >= 0);
  CHECK(fchmod(fd, 0640) == 0); /* an fd, resolved to its path */
  close(fd);
  CHECK(symlink("renamed.txt", "sub/link") == 0);
  CHECK(unlink("sub/link") == 0);

  /* Network: TCP listen + loopback connect + accept, UDP send, DNS, UDP bind. */
  TcpListenConnectAccept(tcp_port);
  int u = socket(AF_INET, SOCK_DGRAM, 0);
  CHECK(u >= 0);
  struct sockaddr_in ua = Loopback(udp_port);
  CHECK(sendto(u, "ping", 4, 0, (struct sockaddr*)&ua, sizeof(ua)) == 4);
  close(u);
  DnsQuery("Probe.MinPriv.Test");
  DnsQueryTcp("tcp.minpriv.test");
  Tcp6ListenConnectAccept(tcp_port);
  Udp6MappedSend(tcp_port);
  int ul = socket(AF_INET, SOCK_DGRAM, 0);
  CHECK(ul >= 0);
  struct sockaddr_in ula = Loopback(udp_listen_port);
  CHECK(bind(ul, (struct sockaddr*)&ula, sizeof(ula)) == 0);
  close(ul);

  /* CAP_NET_BIND_SERVICE: binding port 80 (the check happens before any EADDRINUSE). */
  int p80 = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(p80 >= 0);
  struct sockaddr_in a80 = Loopback(80);
  (void)bind(p80, (struct sockaddr*)&a80, sizeof(a80));
  close(p80);

  /* Memory accounting probes (CAP_SYS_ADMIN) and a rare syscall. */
  for (int i = 0; i < 8; i++) {
    void* m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED);
    munmap(m, 1 << 20);
  }
  unsigned cpu, node;
  CHECK(syscall(SYS_getcpu, &cpu, &node, NULL) == 0);

  /* An exec, and a process running as another identity. */
  char* argv_true[] = {"/bin/true", NULL};
  RunAndWait(argv_true);
  char suid[4096];
  snprintf(suid, sizeof(suid), "%s/suid-true", workdir);
  char* argv_suid[] = {suid, NULL};
  RunAndWait(argv_suid);

  pid_t p = fork();
  CHECK(p >= 0);
  if (p == 0) {
    if (setgid(4243) != 0 || setuid(4242) != 0) _exit(1);
    _exit(getpid() > 0 ? 0 : 1);
  }
  int st;
  CHECK(waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  return 0;
}

int Other(const char* workdir, int tcp_port) {
  CHECK(chdir(workdir) == 0);
  CHECK(mkdir("other-only", 0755) == 0);
  int fd = open("other-only/secret.txt", O_WRONLY | O_CREAT, 0644);
  CHECK(fd >= 0);
  close(fd);
  TcpListenConnectAccept(tcp_port);
  DnsQuery("other.example");
  personality(0xffffffff);
  return 0;
}

int Sub(const char* workdir) {
  CHECK(chdir(workdir) == 0);
  int fd = open("from-child-cgroup.txt", O_WRONLY | O_CREAT, 0644);
  CHECK(fd >= 0);
  close(fd);
  return 0;
}

/* Every action a known number of times (the kernel test asserts these exact counts). */
int Count(const char* workdir, int tcp_port, int udp_port) {
  CHECK(chdir(workdir) == 0);
  /* counted.txt: 3 opens with O_CREAT|O_TRUNC (relative), 2 plain write opens (absolute,
   * another dedup key for the same path) = 5 modifications. */
  for (int i = 0; i < 3; i++) {
    int fd = open("counted.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, "n", 1) == 1);
    close(fd);
  }
  char abs_path[4096];
  snprintf(abs_path, sizeof(abs_path), "%s/counted.txt", workdir);
  for (int i = 0; i < 2; i++) {
    int fd = open(abs_path, O_WRONLY);
    CHECK(fd >= 0);
    close(fd);
  }
  /* owned.txt: created once, then 4 chowns (4 CAP_CHOWN needs, 5 modifications). */
  int fd = open("owned.txt", O_WRONLY | O_CREAT, 0644);
  CHECK(fd >= 0);
  close(fd);
  for (int i = 0; i < 4; i++) CHECK(chown("owned.txt", 4242 + i, -1) == 0);
  /* many/: 10 files (summarised), each opened twice = 20 modifications. */
  CHECK(mkdir("many", 0755) == 0);
  for (int i = 0; i < 10; i++) {
    char name[64];
    snprintf(name, sizeof(name), "many/f%d", i);
    for (int j = 0; j < 2; j++) {
      fd = open(name, O_WRONLY | O_CREAT, 0644);
      CHECK(fd >= 0);
      close(fd);
    }
  }
  /* 5 TCP connections to one loopback listener: 5 egress, 5 ingress. */
  int l = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(l >= 0);
  int one = 1;
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in a = Loopback(tcp_port);
  CHECK(bind(l, (struct sockaddr*)&a, sizeof(a)) == 0);
  CHECK(listen(l, 8) == 0);
  for (int i = 0; i < 5; i++) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(c >= 0);
    CHECK(connect(c, (struct sockaddr*)&a, sizeof(a)) == 0);
    int s = accept(l, NULL, NULL);
    CHECK(s >= 0);
    close(s);
    close(c);
  }
  close(l);
  /* 4 UDP datagrams to one peer. */
  int u = socket(AF_INET, SOCK_DGRAM, 0);
  CHECK(u >= 0);
  struct sockaddr_in ua = Loopback(udp_port);
  for (int i = 0; i < 4; i++) {
    CHECK(sendto(u, "c", 1, 0, (struct sockaddr*)&ua, sizeof(ua)) == 1);
  }
  close(u);
  /* 2 execs of the same binary. */
  char* argv_true[] = {"/bin/true", NULL};
  for (int i = 0; i < 2; i++) RunAndWait(argv_true);
  return 0;
}
