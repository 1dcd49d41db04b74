/* behave's file behaviours: writes across a mount point and inside a chroot, timestamps
 * and extended attributes, a setgid chmod, and mkdir of existing directories. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "behave.h"

/* In a private mount namespace: relative writes inside a tmpfs mounted on WORKDIR/mnt
 * (the path walk crosses the mount), then inside a chroot (paths as the workload sees
 * them, relative to its root). */
void MountAndChroot(const char* workdir) {
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

/* Timestamp and extended-attribute changes, by path and by fd (user.* xattrs: tmpfs and
 * ext4 accept them). */
int Attrs(const char* workdir) {
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
int Setgid(const char* workdir) {
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

int MkdirP(const char* workdir) {
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

int ChrootMkdir(const char* root) {
  CHECK(chroot(root) == 0);
  CHECK(chdir("/") == 0);
  CHECK(mkdir("/var/run/lock", 0755) == 0);
  sleep(1); /* alive while the observer looks at the directory through its root */
  return 0;
}
