/* A workload doing known things, for tests/observer_kernel_*_test.cc.
 *   behave learn WORKDIR TCP_PORT UDP_PORT UDP_LISTEN_PORT
 *     (expects WORKDIR/suid-true, a setuid copy of true, and a TCP listener on 127.0.0.1:53)
 *   behave other WORKDIR TCP_PORT      (runs in an unwatched cgroup: must not leak in)
 *   behave sub WORKDIR                 (runs in a child cgroup of the watched one)
 *   behave mount WORKDIR               (writes across a mount point and inside a chroot)
 *   behave verify WORKDIR              (verify mode: an EROFS write and a seccomp EPERM, after
 *     a signal handled while rax held -1, which is no denial)
 *   behave count WORKDIR TCP_PORT UDP_PORT   (repeats each action a known number of times:
 *     see Count() for the counts tests/observer_kernel_counts_test.cc expects)
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
 * Exits 0 when every step behaved as expected, else prints the failing step.
 * main() here dispatches; the behaviours are in behave_{scenarios,network,files,syscalls}.c. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "behave.h"

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
