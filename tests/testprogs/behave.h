/* What behave's files share (tests/testprogs/behave*.c, one testprog_behave binary): the
 * CHECK macro and each behaviour's entry point. */
#ifndef MINPRIV_TESTS_TESTPROGS_BEHAVE_H_
#define MINPRIV_TESTS_TESTPROGS_BEHAVE_H_

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exits 1 with the failing step when `cond` is false. */
#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "behave: %s:%d: %s failed: %s\n", __FILE__, __LINE__, #cond, \
              strerror(errno));                                                  \
      exit(1);                                                                   \
    }                                                                            \
  } while (0)

/* behave_network.c */
struct sockaddr_in Loopback(int port);
void TcpListenConnectAccept(int port);
void DnsQuery(const char* name);
void DnsQueryTcp(const char* name);
void Tcp6ListenConnectAccept(int port);
void Udp6MappedSend(int port);
int UdpServe(int port, int echo_port);

/* behave_files.c */
void MountAndChroot(const char* workdir);
int Attrs(const char* workdir);
int Setgid(const char* workdir);
int MkdirP(const char* workdir);
int ChrootMkdir(const char* root);

/* behave_syscalls.c */
int Verify(const char* workdir);
int I386(void);

/* behave_scenarios.c */
int Learn(const char* workdir, int tcp_port, int udp_port, int udp_listen_port);
int Other(const char* workdir, int tcp_port);
int Sub(const char* workdir);
int Count(const char* workdir, int tcp_port, int udp_port);

#endif  /* MINPRIV_TESTS_TESTPROGS_BEHAVE_H_ */
