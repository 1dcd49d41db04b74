/* The entrypoint of the OCI image tests/verify_image_test.cc builds (linked statically: the
 * image holds nothing else). Checks that it runs as the image says:
 *   imgprog --uid N --cwd DIR --env NAME=VALUE
 * exits 0 when its uid, working directory and that variable match, 3 otherwise (saying
 * what differs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  int bad = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--uid") == 0) {
      if (getuid() != (uid_t)atoi(argv[i + 1])) {
        fprintf(stderr, "imgprog: uid %u, expected %s\n", (unsigned)getuid(), argv[i + 1]);
        bad = 1;
      }
    } else if (strcmp(argv[i], "--cwd") == 0) {
      char cwd[4096];
      if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, argv[i + 1]) != 0) {
        fprintf(stderr, "imgprog: cwd is not %s\n", argv[i + 1]);
        bad = 1;
      }
    } else if (strcmp(argv[i], "--env") == 0) {
      const char* eq = strchr(argv[i + 1], '=');
      char name[256];
      if (!eq || (size_t)(eq - argv[i + 1]) >= sizeof(name)) return 2;
      memcpy(name, argv[i + 1], eq - argv[i + 1]);
      name[eq - argv[i + 1]] = 0;
      const char* v = getenv(name);
      if (!v || strcmp(v, eq + 1) != 0) {
        fprintf(stderr, "imgprog: %s is not %s\n", name, eq + 1);
        bad = 1;
      }
    }
  }
  if (!bad) fprintf(stderr, "imgprog: uid %u as the image says\n", (unsigned)getuid());
  return bad ? 3 : 0;
}
