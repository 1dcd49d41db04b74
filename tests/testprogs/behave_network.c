/* behave's network behaviours: TCP (IPv4, IPv6) listen/connect/accept, DNS queries over
 * UDP and TCP, a v4-mapped UDP send, and the UDP server of `behave udpserve`. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "behave.h"

struct sockaddr_in Loopback(int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

void TcpListenConnectAccept(int port) {
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

void DnsQuery(const char* name) {
  unsigned char q[512];
  size_t n = DnsMessage(name, q);
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  CHECK(s >= 0);
  struct sockaddr_in a = Loopback(53);
  CHECK(sendto(s, q, n, 0, (struct sockaddr*)&a, sizeof(a)) == (ssize_t)n);
  close(s);
}

/* DNS over TCP: a 2-byte length, then the message. */
void DnsQueryTcp(const char* name) {
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

void Tcp6ListenConnectAccept(int port) {
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
void Udp6MappedSend(int port) {
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

/* Answers one datagram on each server socket; a reply must not look like egress to the
 * client's port. Also a client: its send is egress, the echo's reply is not ingress. */
int UdpServe(int port, int echo_port) {
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
