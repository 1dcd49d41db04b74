/* A workload that uses what its image ships beside what it writes, for
 * tests/image_content_test.cc (ISSUE12 §1):
 *   image_user work DIR   cwd DIR/run, DIR/conf/app.conf held open, files created in DIR/w
 *   image_user cache DIR  reads DIR/cache/shipped.conf, creates DIR/cache/new.tmp
 *   image_user uds DIR    binds unix sockets: DIR/rel.sock (relative to the cwd DIR),
 *                         DIR/abs.sock (absolute), an abstract name (no file)
 * Each stays up ~1.5 s so that learning samples it; exits non-zero on the first failure
 * (2 + the step), so a replay that hides what it needs fails. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void linger(void) {
  struct timespec ts = {1, 500000000};
  nanosleep(&ts, NULL);
}

static int create_file(const char *path) {
  int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  int ok = write(fd, "x\n", 2) == 2;
  close(fd);
  return ok ? 0 : -1;
}

static int work(const char *dir) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/run", dir);
  if (chdir(path) != 0) return 2;
  snprintf(path, sizeof(path), "%s/conf/app.conf", dir);
  int conf = open(path, O_RDONLY | O_CLOEXEC);
  if (conf < 0) return 3;
  snprintf(path, sizeof(path), "%s/w", dir);
  if (mkdir(path, 0755) != 0 && errno != EEXIST) return 4;
  for (int i = 0; i < 3; ++i) {
    snprintf(path, sizeof(path), "%s/w/out.%d", dir, i);
    if (create_file(path) != 0) return 5;
  }
  linger();
  close(conf);
  return 0;
}

static int cache(const char *dir) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/cache/shipped.conf", dir);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 2;
  char buf[16];
  if (read(fd, buf, sizeof(buf)) <= 0) return 3;
  snprintf(path, sizeof(path), "%s/cache/new.tmp", dir);
  if (create_file(path) != 0) return 4;
  linger();
  close(fd);
  return 0;
}

static int bind_unix(const char *name, size_t len) {
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -1;
  struct sockaddr_un a;
  memset(&a, 0, sizeof(a));
  a.sun_family = AF_UNIX;
  memcpy(a.sun_path, name, len);
  int r = bind(s, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
  close(s);
  return r;
}

static int uds(const char *dir) {
  if (chdir(dir) != 0) return 2;
  if (bind_unix("rel.sock", strlen("rel.sock") + 1) != 0) return 3;
  char path[108];
  snprintf(path, sizeof(path), "%s/abs.sock", dir);
  if (bind_unix(path, strlen(path) + 1) != 0) return 4;
  static const char kAbstract[] = "\0minpriv-image-user-abstract";
  if (bind_unix(kAbstract, sizeof(kAbstract) - 1) != 0) return 5;
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s work|cache|uds DIR\n", argv[0]);
    return 1;
  }
  if (strcmp(argv[1], "work") == 0) return work(argv[2]);
  if (strcmp(argv[1], "cache") == 0) return cache(argv[2]);
  if (strcmp(argv[1], "uds") == 0) return uds(argv[2]);
  return 1;
}
