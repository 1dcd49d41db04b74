// Placeholder until the 'verify' command lands; replaced by its implementation.
#include <cstdio>

#include "cli/commands.h"

namespace minpriv::cli {

int RunVerify(int argc, char** argv) {
  std::fputs("minpriv verify: not implemented yet\n", stderr);
  return 1;
}

}  // namespace minpriv::cli
