/* A workload doing known things, for tests/observer_kernel_test.cc.
 *   behave learn WORKDIR TCP_PORT UDP_PORT UDP_LISTEN_PORT
 *     (expects WORKDIR/suid-true, a setuid copy of true, and a TCP listener on 127.0.0.1:53)
 *   behave other WORKDIR TCP_PORT      (runs in an unwatched cgroup: must not leak in)
 *   behave sub WORKDIR                 (runs in a child cgroup of the watched one)
 *   behave mount WORKDIR               (writes across a mount point and inside a chroot)
 *   behave verify WORKDIR              (verify mode: an EROFS write and a seccomp EPERM)
 *   behave count WORKDIR TCP_PORT UDP_PORT   (repeats each action a known number of times:
 *     see Count() for the counts tests/observer_kernel_test.cc expects)
 *   behave udpserve PORT ECHO_PORT    (UDP server on 127.0.0.1:PORT and [::1]:PORT: answers
 *     one datagram on each; and a UDP client of 127.0.0.1:ECHO_PORT awaiting its reply)
 *   behave attrs WORKDIR              (timestamps and extended attributes, by path and fd)
 *   behave setgid WORKDIR             (chown to 0:65534, then chmod 2755: needs CAP_FSETID)
 *   behave chrootmkdir ROOTDIR        (in a chroot whose /var/run is a symlink to /run:
 *     mkdir /var/run/lock, which creates ROOTDIR/run/lock, then stays alive a second)
 *   behave mkdirp WORKDIR             (mkdir of existing directories: EEXIST, not a write;
 *     WORKDIR/exists and WORKDIR/later exist beforehand)
 *   behave i386                       (32-bit syscalls by int 0x80 from 64-bit code: getpid
 *     (i386 20, x86_64 writev) and getuid32 (i386 199, x86_64 fremovexattr))
 * Exits 0 when every step behaved as expected, else prints the failing step. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "behave: %s:%d: %s failed: %s\n", __FILE__, __LINE__, #cond, \
              strerror(errno));                                                  \
      exit(1);                                                                   \
    }                                                                            \
  } while (0)

static struct sockaddr_in Loopback(int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

static void TcpListenConnectAccept(int port) {
  int l = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(l >= 0);
  int one = 1;
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in a = Loopback(port);
  CHECK(bind(l, (struct sockaddr*)&a, sizeof(a)) == 0);
  CHECK(listen(l, 4) == 0);
  int c = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(c >= 0);
  CHECK(connect(c, (struct sockaddr*)&a, sizeof(a)) == 0);
  int s = accept(l, NULL, NULL);
  CHECK(s >= 0);
  CHECK(write(c, "x", 1) == 1);
  char b;
  CHECK(read(s, &b, 1) == 1);
  close(s);
  close(c);
  close(l);
}

static size_t DnsMessage(const char* name, unsigned char* q) {
  memset(q, 0, 12);
  q[0] = 0x12; q[1] = 0x34; q[2] = 0x01; q[5] = 1; /* id, RD, QDCOUNT=1 */
  size_t n = 12;
  const char* p = name;
  while (*p) {
    const char* dot = strchr(p, '.');
    size_t len = dot ? (size_t)(dot - p) : strlen(p);
    q[n++] = (unsigned char)len;
    memcpy(q + n, p, len);
    n += len;
    p += len + (dot ? 1 : 0);
  }
  q[n++] = 0;
  q[n++] = 0; q[n++] = 1; /* A */
  q[n++] = 0; q[n++] = 1; /* IN */
  return n;
}

static void DnsQuery(const char* name) {
  unsigned char q[512];
  size_t n = DnsMessage(name, q);
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  CHECK(s >= 0);
  struct sockaddr_in a = Loopback(53);
  CHECK(sendto(s, q, n, 0, (struct sockaddr*)&a, sizeof(a)) == (ssize_t)n);
  close(s);
}

/* DNS over TCP: a 2-byte length, then the message. */
static void DnsQueryTcp(const char* name) {
  unsigned char q[514];
  size_t n = DnsMessage(name, q + 2);
  q[0] = (unsigned char)(n >> 8);
  q[1] = (unsigned char)n;
  int s = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(s >= 0);
  struct sockaddr_in a = Loopback(53);
  CHECK(connect(s, (struct sockaddr*)&a, sizeof(a)) == 0);
  CHECK(write(s, q, n + 2) == (ssize_t)(n + 2));
  close(s);
}

static void Tcp6ListenConnectAccept(int port) {
  struct sockaddr_in6 a;
  memset(&a, 0, sizeof(a));
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port);
  a.sin6_addr = in6addr_loopback;
  int l = socket(AF_INET6, SOCK_STREAM, 0);
  CHECK(l >= 0);
  int one = 1;
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  CHECK(bind(l, (struct sockaddr*)&a, sizeof(a)) == 0);
  CHECK(listen(l, 4) == 0);
  int c = socket(AF_INET6, SOCK_STREAM, 0);
  CHECK(c >= 0);
  CHECK(connect(c, (struct sockaddr*)&a, sizeof(a)) == 0);
  int s = accept(l, NULL, NULL);
  CHECK(s >= 0);
  close(s);
  close(c);
  close(l);
}

/* UDP over an IPv6 socket to an IPv4-mapped address (reported as IPv4). */
static void Udp6MappedSend(int port) {
  struct sockaddr_in6 a;
  memset(&a, 0, sizeof(a));
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port);
  CHECK(inet_pton(AF_INET6, "::ffff:127.0.0.1", &a.sin6_addr) == 1);
  int s = socket(AF_INET6, SOCK_DGRAM, 0);
  CHECK(s >= 0);
  CHECK(sendto(s, "m", 1, 0, (struct sockaddr*)&a, sizeof(a)) == 1);
  close(s);
}

/* In a private mount namespace: relative writes inside a tmpfs mounted on WORKDIR/mnt
 * (the path walk crosses the mount), then inside a chroot (paths as the workload sees
 * them, relative to its root). */
static void MountAndChroot(const char* workdir) {
  char mnt[4096];
  snprintf(mnt, sizeof(mnt), "%s/mnt", workdir);
  CHECK(unshare(CLONE_NEWNS) == 0);
  CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
  CHECK(mkdir(mnt, 0755) == 0);
  CHECK(mount("tmpfs", mnt, "tmpfs", 0, "size=1m") == 0);
  CHECK(chdir(mnt) == 0);
  CHECK(mkdir("d", 0755) == 0);
  int fd = open("d/../inmount.txt", O_WRONLY | O_CREAT, 0644);
  CHECK(fd >= 0);
  close(fd);
  CHECK(chroot(".") == 0);
  CHECK(chdir("/d") == 0);
  fd = open("rel-in-chroot.txt", O_WRONLY | O_CREAT, 0644);
  CHECK(fd >= 0);
  close(fd);
  fd = open("/abs-in-chroot.txt", O_WRONLY | O_CREAT, 0644);
  CHECK(fd >= 0);
  close(fd);
}

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

static int Learn(const char* workdir, int tcp_port, int udp_port, int udp_listen_port) {
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

static int Other(const char* workdir, int tcp_port) {
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

static int Sub(const char* workdir) {
  CHECK(chdir(workdir) == 0);
  int fd = open("from-child-cgroup.txt", O_WRONLY | O_CREAT, 0644);
  CHECK(fd >= 0);
  close(fd);
  return 0;
}

static int Verify(const char* workdir) {
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

/* Every action a known number of times (the kernel test asserts these exact counts). */
static int Count(const char* workdir, int tcp_port, int udp_port) {
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

/* Answers one datagram on each server socket; a reply must not look like egress to the
 * client's port. Also a client: its send is egress, the echo's reply is not ingress. */
static int UdpServe(int port, int echo_port) {
  struct timeval tv = {.tv_sec = 30};
  int s4 = socket(AF_INET, SOCK_DGRAM, 0);
  CHECK(s4 >= 0);
  struct sockaddr_in a4 = Loopback(port);
  CHECK(bind(s4, (struct sockaddr*)&a4, sizeof(a4)) == 0);
  int s6 = socket(AF_INET6, SOCK_DGRAM, 0);
  CHECK(s6 >= 0);
  int one = 1;
  CHECK(setsockopt(s6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) == 0);
  struct sockaddr_in6 a6;
  memset(&a6, 0, sizeof(a6));
  a6.sin6_family = AF_INET6;
  a6.sin6_port = htons(port);
  a6.sin6_addr = in6addr_loopback;
  CHECK(bind(s6, (struct sockaddr*)&a6, sizeof(a6)) == 0);
  CHECK(setsockopt(s4, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
  CHECK(setsockopt(s6, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
  char buf[64];
  struct sockaddr_storage from;
  socklen_t len = sizeof(from);
  ssize_t n = recvfrom(s4, buf, sizeof(buf), 0, (struct sockaddr*)&from, &len);
  CHECK(n > 0);
  CHECK(sendto(s4, "pong", 4, 0, (struct sockaddr*)&from, len) == 4);
  len = sizeof(from);
  n = recvfrom(s6, buf, sizeof(buf), 0, (struct sockaddr*)&from, &len);
  CHECK(n > 0);
  CHECK(sendto(s6, "pong", 4, 0, (struct sockaddr*)&from, len) == 4);
  int c = socket(AF_INET, SOCK_DGRAM, 0);
  CHECK(c >= 0);
  CHECK(setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
  struct sockaddr_in e = Loopback(echo_port);
  CHECK(sendto(c, "ask", 3, 0, (struct sockaddr*)&e, sizeof(e)) == 3);
  len = sizeof(from);
  CHECK(recvfrom(c, buf, sizeof(buf), 0, (struct sockaddr*)&from, &len) > 0);
  close(c);
  close(s6);
  close(s4);
  return 0;
}

/* Timestamp and extended-attribute changes, by path and by fd (user.* xattrs: tmpfs and
 * ext4 accept them). */
static int Attrs(const char* workdir) {
  CHECK(chdir(workdir) == 0);
  const char* names[] = {"utime", "utimes", "futimesat", "utimensat", "futimens", "emptypath",
                         "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr",
                         "fremovexattr"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    int fd = open(names[i], O_WRONLY | O_CREAT, 0644);
    CHECK(fd >= 0);
    close(fd);
  }
  CHECK(syscall(SYS_utime, "utime", NULL) == 0);
  CHECK(utimes("utimes", NULL) == 0);
  int dfd = open(".", O_RDONLY | O_DIRECTORY);
  CHECK(dfd >= 0);
  CHECK(syscall(SYS_futimesat, dfd, "futimesat", NULL) == 0);
  CHECK(utimensat(dfd, "utimensat", NULL, 0) == 0);
  close(dfd);
  int fd = open("futimens", O_RDONLY);
  CHECK(fd >= 0);
  CHECK(futimens(fd, NULL) == 0); /* utimensat(fd, NULL, ...) */
  close(fd);
  fd = open("emptypath", O_RDONLY);
  CHECK(fd >= 0);
  CHECK(utimensat(fd, "", NULL, AT_EMPTY_PATH) == 0);
  close(fd);
  CHECK(setxattr("setxattr", "user.minpriv", "1", 1, 0) == 0);
  CHECK(lsetxattr("lsetxattr", "user.minpriv", "1", 1, 0) == 0);
  fd = open("fsetxattr", O_RDONLY);
  CHECK(fd >= 0);
  CHECK(fsetxattr(fd, "user.minpriv", "1", 1, 0) == 0);
  close(fd);
  /* The removals (the setup xattrs are set through fds: fsetxattr is already recorded). */
  const char* rm[] = {"removexattr", "lremovexattr", "fremovexattr"};
  for (int i = 0; i < 3; i++) {
    fd = open(rm[i], O_RDONLY);
    CHECK(fd >= 0);
    CHECK(fsetxattr(fd, "user.minpriv", "1", 1, 0) == 0);
    if (i == 2) CHECK(fremovexattr(fd, "user.minpriv") == 0);
    close(fd);
  }
  CHECK(removexattr("removexattr", "user.minpriv") == 0);
  CHECK(lremovexattr("lremovexattr", "user.minpriv") == 0);
  return 0;
}

/* A file owned by 0:65534 made setgid by root (not in group 65534): the S_ISGID bit only
 * survives with CAP_FSETID. */
static int Setgid(const char* workdir) {
  char p[4096];
  snprintf(p, sizeof(p), "%s/sgid", workdir);
  int fd = open(p, O_WRONLY | O_CREAT, 0644);
  CHECK(fd >= 0);
  close(fd);
  CHECK(setgroups(0, NULL) == 0);
  CHECK(chown(p, 0, 65534) == 0);
  CHECK(chmod(p, 02755) == 0);
  struct stat st;
  CHECK(stat(p, &st) == 0 && (st.st_mode & S_ISGID));
  return 0;
}

static int MkdirP(const char* workdir) {
  CHECK(chdir(workdir) == 0);
  CHECK(mkdir("exists", 0755) != 0 && errno == EEXIST);
  CHECK(mkdirat(AT_FDCWD, "exists", 0755) != 0 && errno == EEXIST);
  int dfd = open(".", O_RDONLY | O_DIRECTORY);
  CHECK(dfd >= 0);
  CHECK(mkdirat(dfd, "exists", 0755) != 0 && errno == EEXIST);
  close(dfd);
  CHECK(mkdir("created", 0755) == 0);
  CHECK(mkdir("created", 0755) != 0 && errno == EEXIST); /* a repeat: still created */
  CHECK(mkdir("later", 0755) != 0 && errno == EEXIST);   /* forgotten, then really made */
  CHECK(rmdir("later") == 0);
  CHECK(mkdir("later", 0755) == 0);
  return 0;
}

static int ChrootMkdir(const char* root) {
  CHECK(chroot(root) == 0);
  CHECK(chdir("/") == 0);
  CHECK(mkdir("/var/run/lock", 0755) == 0);
  sleep(1); /* alive while the observer looks at the directory through its root */
  return 0;
}

static long Int80(long nr) {
  long r;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr) : "memory");
  return r;
}

static int I386(void) {
  CHECK(Int80(20) == getpid()); /* i386 getpid */
  CHECK(Int80(199) == (long)getuid()); /* i386 getuid32 */
  return 0;
}

int main(int argc, char** argv) {
  if (argc >= 6 && strcmp(argv[1], "learn") == 0)
    return Learn(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
  if (argc >= 4 && strcmp(argv[1], "other") == 0) return Other(argv[2], atoi(argv[3]));
  if (argc >= 3 && strcmp(argv[1], "sub") == 0) return Sub(argv[2]);
  if (argc >= 3 && strcmp(argv[1], "mount") == 0) {
    MountAndChroot(argv[2]);
    return 0;
  }
  if (argc >= 3 && strcmp(argv[1], "verify") == 0) return Verify(argv[2]);
  if (argc >= 5 && strcmp(argv[1], "count") == 0)
    return Count(argv[2], atoi(argv[3]), atoi(argv[4]));
  if (argc >= 4 && strcmp(argv[1], "udpserve") == 0) return UdpServe(atoi(argv[2]), atoi(argv[3]));
  if (argc >= 3 && strcmp(argv[1], "attrs") == 0) return Attrs(argv[2]);
  if (argc >= 3 && strcmp(argv[1], "setgid") == 0) return Setgid(argv[2]);
  if (argc >= 2 && strcmp(argv[1], "i386") == 0) return I386();
  if (argc >= 3 && strcmp(argv[1], "mkdirp") == 0) return MkdirP(argv[2]);
  if (argc >= 3 && strcmp(argv[1], "chrootmkdir") == 0) return ChrootMkdir(argv[2]);
  fprintf(stderr, "usage: behave learn|other|sub|mount|verify|count|udpserve|attrs|setgid|i386|mkdirp|chrootmkdir ...\n");
  return 2;
}
