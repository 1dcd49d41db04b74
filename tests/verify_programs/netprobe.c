/* Network probe for verify tests.
 *   netprobe listen ADDR PORT   accept connections on ADDR:PORT and answer "ok\n" to each;
 *                               prints "accepted" to stdout per connection
 *   netprobe connect ADDR PORT  connect (3 s timeout), read the answer; exit 0 when it was
 *                               "ok", 1 otherwise (the errno is printed)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: netprobe listen|connect ADDR PORT\n");
    return 2;
  }
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[3]))};
  if (inet_pton(AF_INET, argv[2], &a.sin_addr) != 1) return 2;
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return 1;
  if (strcmp(argv[1], "listen") == 0) {
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(s, (struct sockaddr*)&a, sizeof(a)) != 0 || listen(s, 16) != 0) {
      perror("netprobe: listen");
      return 1;
    }
    for (;;) {
      int c = accept(s, NULL, NULL);
      if (c < 0) continue;
      printf("accepted\n");
      fflush(stdout);
      (void)!write(c, "ok\n", 3);
      close(c);
    }
  }
  struct timeval tv = {.tv_sec = 3};
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (connect(s, (struct sockaddr*)&a, sizeof(a)) != 0) {
    fprintf(stderr, "netprobe: connect %s:%s: %s\n", argv[2], argv[3], strerror(errno));
    return 1;
  }
  char buf[8] = {0};
  ssize_t n = read(s, buf, sizeof(buf) - 1);
  close(s);
  if (n == 3 && memcmp(buf, "ok\n", 3) == 0) {
    fprintf(stderr, "netprobe: %s:%s answered\n", argv[2], argv[3]);
    return 0;
  }
  fprintf(stderr, "netprobe: %s:%s did not answer\n", argv[2], argv[3]);
  return 1;
}
