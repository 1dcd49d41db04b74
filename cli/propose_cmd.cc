// Placeholder until the 'propose' command lands; replaced by its implementation.
#include <cstdio>

#include "cli/commands.h"

namespace minpriv::cli {

int RunPropose(int argc, char** argv) {
  std::fputs("minpriv propose: not implemented yet\n", stderr);
  return 1;
}

}  // namespace minpriv::cli
