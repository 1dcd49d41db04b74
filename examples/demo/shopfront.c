// shopfront: the demo's sample service. A small HTTP server that, for each
// GET /item/<id>:
//   1. resolves its backend's name with a DNS query (UDP port 53 on the --dns server),
//   2. asks the backend over TCP for the item,
//   3. caches the answer in --cache-dir (write to a temporary file, then rename),
//   4. appends an access-log line to --log-dir/access.log,
// and answers the client. GET /healthz answers "ok" without touching anything.
//
// --misbehave makes every request also step outside what the service normally does: write
// to --stray-file, call ptrace(PTRACE_TRACEME) and chown() (syscalls it never made), bind a
// privileged port (a capability it never used, through a syscall it does make) and connect
// to --stray-peer. `minpriv verify` must reject that variant and name each break.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char* g_listen = "127.0.0.1";
static int g_port = 18080;
static const char* g_dns = "127.0.0.1";
static const char* g_backend_name = "inventory.shop.svc.cluster.local";
static int g_backend_port = 18081;
static const char* g_cache_dir = "/var/cache/shopfront";
static const char* g_log_dir = "/var/log/shopfront";
static int g_misbehave = 0;
static const char* g_stray_file = "/etc/shopfront-stray";
static const char* g_stray_peer = "127.0.0.1:18099";
static volatile sig_atomic_t g_stop = 0;

static void on_term(int sig) {
  (void)sig;
  g_stop = 1;
}

// Builds a DNS query for `name` (type A, class IN) into buf; returns its length.
static int build_query(const char* name, uint16_t id, unsigned char* buf, size_t cap) {
  size_t n = 0;
  unsigned char hdr[12] = {(unsigned char)(id >> 8), (unsigned char)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  memcpy(buf, hdr, sizeof(hdr));
  n = sizeof(hdr);
  const char* p = name;
  while (*p) {
    const char* dot = strchr(p, '.');
    size_t len = dot ? (size_t)(dot - p) : strlen(p);
    if (len == 0 || len > 63 || n + len + 6 > cap) return -1;
    buf[n++] = (unsigned char)len;
    memcpy(buf + n, p, len);
    n += len;
    p += len;
    if (*p == '.') p++;
  }
  buf[n++] = 0;
  buf[n++] = 0;
  buf[n++] = 1;  // type A
  buf[n++] = 0;
  buf[n++] = 1;  // class IN
  return (int)n;
}

// Resolves `name` through the DNS server at g_dns:53. Returns 0 and fills *out on success.
static int resolve(const char* name, struct in_addr* out) {
  unsigned char q[512], r[512];
  int qlen = build_query(name, (uint16_t)getpid(), q, sizeof(q));
  if (qlen < 0) return -1;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct timeval tv = {2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  struct sockaddr_in dns = {.sin_family = AF_INET, .sin_port = htons(53)};
  inet_pton(AF_INET, g_dns, &dns.sin_addr);
  int rc = -1;
  if (sendto(fd, q, (size_t)qlen, 0, (struct sockaddr*)&dns, sizeof(dns)) == qlen) {
    ssize_t n = recv(fd, r, sizeof(r), 0);
    // Answer: header, the question echoed, then one A record whose last 4 bytes are the address.
    if (n >= qlen + 16 && r[6] == 0 && r[7] >= 1) {
      memcpy(out, r + n - 4, 4);
      rc = 0;
    }
  }
  close(fd);
  return rc;
}

static int ask_backend(struct in_addr addr, const char* id, char* reply, size_t cap) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_backend_port),
                           .sin_addr = addr};
  if (connect(fd, (struct sockaddr*)&sa, sizeof(sa)) != 0) {
    close(fd);
    return -1;
  }
  char req[128];
  int len = snprintf(req, sizeof(req), "GET %s\n", id);
  if (write(fd, req, (size_t)len) != len) {
    close(fd);
    return -1;
  }
  ssize_t n = read(fd, reply, cap - 1);
  close(fd);
  if (n <= 0) return -1;
  reply[n] = 0;
  return 0;
}

static int cache_item(const char* id, const char* body) {
  char tmp[512], final_path[512];
  snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", g_cache_dir, id);
  snprintf(final_path, sizeof(final_path), "%s/item-%s.json", g_cache_dir, id);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  ssize_t len = (ssize_t)strlen(body);
  int ok = write(fd, body, (size_t)len) == len;
  close(fd);
  if (!ok || rename(tmp, final_path) != 0) return -1;
  return 0;
}

static void log_access(const char* path, int status) {
  char file[512];
  snprintf(file, sizeof(file), "%s/access.log", g_log_dir);
  FILE* f = fopen(file, "a");
  if (!f) return;
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  char ts[32];
  strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
  fprintf(f, "%s GET %s %d\n", ts, path, status);
  fclose(f);
}

static void misbehave(void) {
  // Each of these is outside what the service does normally.
  int fd = open(g_stray_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) {
    (void)!write(fd, "stray\n", 6);
    close(fd);
  }
  ptrace(PTRACE_TRACEME, 0, 0, 0);
  char cached[512];
  snprintf(cached, sizeof(cached), "%s/item-1.json", g_cache_dir);
  (void)!chown(cached, 4242, 4242);
  // Port 81 needs CAP_NET_BIND_SERVICE; socket() and bind() themselves are allowed.
  int priv = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (priv >= 0) {
    struct sockaddr_in pa = {.sin_family = AF_INET, .sin_port = htons(81)};
    inet_pton(AF_INET, g_listen, &pa.sin_addr);
    (void)!bind(priv, (struct sockaddr*)&pa, sizeof(pa));
    close(priv);
  }
  char host[64];
  snprintf(host, sizeof(host), "%s", g_stray_peer);
  char* colon = strrchr(host, ':');
  if (colon) {
    *colon = 0;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    inet_pton(AF_INET, host, &sa.sin_addr);
    if (s >= 0) {
      (void)!connect(s, (struct sockaddr*)&sa, sizeof(sa));
      close(s);
    }
  }
}

static void respond(int c, int status, const char* body) {
  char hdr[256];
  int n = snprintf(hdr, sizeof(hdr),
                   "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                   "Connection: close\r\n\r\n",
                   status, status == 200 ? "OK" : (status == 404 ? "Not Found" : "Bad Gateway"),
                   strlen(body));
  (void)!write(c, hdr, (size_t)n);
  (void)!write(c, body, strlen(body));
}

static void serve(int c) {
  char req[2048];
  ssize_t n = read(c, req, sizeof(req) - 1);
  if (n <= 0) return;
  req[n] = 0;
  char path[256] = "";
  if (sscanf(req, "GET %255s", path) != 1) {
    respond(c, 404, "{\"error\":\"bad request\"}\n");
    return;
  }
  if (strcmp(path, "/healthz") == 0) {
    respond(c, 200, "{\"status\":\"ok\"}\n");
    return;
  }
  if (strncmp(path, "/item/", 6) != 0 || strlen(path + 6) == 0 || strlen(path + 6) > 32 ||
      strspn(path + 6, "0123456789") != strlen(path + 6)) {
    respond(c, 404, "{\"error\":\"not found\"}\n");
    log_access(path, 404);
    return;
  }
  const char* id = path + 6;
  struct in_addr backend;
  char reply[1024];
  if (resolve(g_backend_name, &backend) != 0 || ask_backend(backend, id, reply, sizeof(reply)) != 0) {
    respond(c, 502, "{\"error\":\"backend unavailable\"}\n");
    log_access(path, 502);
    return;
  }
  cache_item(id, reply);
  if (g_misbehave) misbehave();
  respond(c, 200, reply);
  log_access(path, 200);
}

static void usage(void) {
  fprintf(stderr,
          "usage: shopfront [--listen ADDR] [--port N] [--dns ADDR] [--backend NAME] "
          "[--backend-port N] [--cache-dir DIR] [--log-dir DIR] [--misbehave] "
          "[--stray-file PATH] [--stray-peer ADDR:PORT]\n");
  exit(2);
}

int main(int argc, char** argv) {
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--misbehave") == 0) { g_misbehave = 1; continue; }
    if (!v) usage();
    if (strcmp(a, "--listen") == 0) g_listen = v;
    else if (strcmp(a, "--port") == 0) g_port = atoi(v);
    else if (strcmp(a, "--dns") == 0) g_dns = v;
    else if (strcmp(a, "--backend") == 0) g_backend_name = v;
    else if (strcmp(a, "--backend-port") == 0) g_backend_port = atoi(v);
    else if (strcmp(a, "--cache-dir") == 0) g_cache_dir = v;
    else if (strcmp(a, "--log-dir") == 0) g_log_dir = v;
    else if (strcmp(a, "--stray-file") == 0) g_stray_file = v;
    else if (strcmp(a, "--stray-peer") == 0) g_stray_peer = v;
    else usage();
    i++;
  }
  struct sigaction sa = {.sa_handler = on_term};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_port)};
  if (inet_pton(AF_INET, g_listen, &addr.sin_addr) != 1) usage();
  if (bind(s, (struct sockaddr*)&addr, sizeof(addr)) != 0 || listen(s, 64) != 0) {
    fprintf(stderr, "shopfront: cannot listen on %s:%d: %s\n", g_listen, g_port, strerror(errno));
    return 1;
  }
  fprintf(stderr, "shopfront: listening on %s:%d\n", g_listen, g_port);
  while (!g_stop) {
    int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) {
      if (errno == EINTR) continue;
      break;
    }
    serve(c);
    close(c);
  }
  close(s);
  fprintf(stderr, "shopfront: stopped\n");
  return 0;
}
