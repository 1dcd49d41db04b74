// Placeholder until the 'demo' command lands; replaced by its implementation.
#include <cstdio>

#include "cli/commands.h"

namespace minpriv::cli {

int RunDemo(int argc, char** argv) {
  std::fputs("minpriv demo: not implemented yet\n", stderr);
  return 1;
}

}  // namespace minpriv::cli
