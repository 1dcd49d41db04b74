// inventory: the demo's second sample service (the backend shopfront talks to), plus the
// demo "cluster's" DNS server. It is not the workload under study.
//   TCP --port (18081): "GET <id>\n" → a JSON line describing the item.
//   UDP --dns-listen:--dns-port (53): answers every A query with --answer, so shopfront's
//                        name resolution is real DNS traffic to a DNS server of our own.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t g_stop = 0;
static void on_term(int sig) {
  (void)sig;
  g_stop = 1;
}

static int bound_socket(int type, const char* addr, int port) {
  int s = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, addr, &sa.sin_addr);
  if (bind(s, (struct sockaddr*)&sa, sizeof(sa)) != 0) {
    fprintf(stderr, "inventory: cannot bind %s:%d: %s\n", addr, port, strerror(errno));
    exit(1);
  }
  if (type == SOCK_STREAM && listen(s, 64) != 0) exit(1);
  return s;
}

static void answer_dns(int u, struct in_addr answer) {
  unsigned char q[512];
  struct sockaddr_in from;
  socklen_t flen = sizeof(from);
  ssize_t n = recvfrom(u, q, sizeof(q), 0, (struct sockaddr*)&from, &flen);
  if (n < 17 || n > 400) return;
  unsigned char r[512];
  memcpy(r, q, (size_t)n);
  r[2] = 0x81;  // response, recursion desired
  r[3] = 0x80;  // recursion available, no error
  r[6] = 0;
  r[7] = 1;  // one answer
  size_t m = (size_t)n;
  unsigned char rr[16] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4};
  memcpy(rr + 12, &answer, 4);
  memcpy(r + m, rr, sizeof(rr));
  m += sizeof(rr);
  sendto(u, r, m, 0, (struct sockaddr*)&from, flen);
}

static void answer_item(int t) {
  int c = accept4(t, NULL, NULL, SOCK_CLOEXEC);
  if (c < 0) return;
  char req[128];
  ssize_t n = read(c, req, sizeof(req) - 1);
  if (n > 0) {
    req[n] = 0;
    char id[64] = "";
    if (sscanf(req, "GET %63s", id) == 1) {
      char body[256];
      int len = snprintf(body, sizeof(body),
                         "{\"id\":\"%s\",\"name\":\"widget-%s\",\"stock\":%d}\n", id, id,
                         (int)(strlen(id) * 7 % 50));
      (void)!write(c, body, (size_t)len);
    }
  }
  close(c);
}

int main(int argc, char** argv) {
  const char* listen_addr = "127.0.0.1";
  const char* dns_addr = NULL;  // default: the --listen address
  int port = 18081, dns_port = 53;
  const char* answer_text = "127.0.0.1";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--listen") == 0) listen_addr = argv[i + 1];
    else if (strcmp(argv[i], "--port") == 0) port = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--dns-port") == 0) dns_port = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--dns-listen") == 0) dns_addr = argv[i + 1];
    else if (strcmp(argv[i], "--answer") == 0) answer_text = argv[i + 1];
    else {
      fprintf(stderr, "usage: inventory [--listen ADDR] [--port N] [--dns-listen ADDR] [--dns-port N] "
              "[--answer ADDR]\n");
      return 2;
    }
  }
  struct in_addr answer;
  if (inet_pton(AF_INET, answer_text, &answer) != 1) return 2;
  struct sigaction sa = {.sa_handler = on_term};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  int t = bound_socket(SOCK_STREAM, listen_addr, port);
  if (dns_addr == NULL) dns_addr = listen_addr;
  int u = bound_socket(SOCK_DGRAM, dns_addr, dns_port);
  fprintf(stderr, "inventory: items on %s:%d/TCP, DNS on %s:%d/UDP\n", listen_addr, port,
          dns_addr, dns_port);
  struct pollfd fds[2] = {{.fd = t, .events = POLLIN}, {.fd = u, .events = POLLIN}};
  while (!g_stop) {
    if (poll(fds, 2, 500) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents & POLLIN) answer_item(t);
    if (fds[1].revents & POLLIN) answer_dns(u, answer);
  }
  return 0;
}
