// Placeholder until the 'learn' command lands; replaced by its implementation.
#include <cstdio>

#include "cli/commands.h"

namespace minpriv::cli {

int RunLearn(int argc, char** argv) {
  std::fputs("minpriv learn: not implemented yet\n", stderr);
  return 1;
}

}  // namespace minpriv::cli
