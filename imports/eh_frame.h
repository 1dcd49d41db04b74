// Function extents from an ELF file's .eh_frame (DWARF call frame information): each FDE's
// initial location and address range. Only the pointer encodings x86_64 toolchains emit are
// accepted (absolute or PC-relative, 2/4/8-byte or LEB128); anything else is an error, so a
// caller never trusts a partial list.
#ifndef MINPRIV_IMPORTS_EH_FRAME_H_
#define MINPRIV_IMPORTS_EH_FRAME_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace minpriv::imports {

struct FdeRange {
  uint64_t start = 0;
  uint64_t size = 0;
};

struct EhFrame {
  std::vector<FdeRange> fdes;
  // Code addresses of personality routines named directly (not through a relocated pointer):
  // the unwinder calls them, no instruction does.
  std::vector<uint64_t> personalities;
};

// `section` is the .eh_frame's bytes, `address` its virtual address. InvalidArgument when a
// record is malformed or uses an encoding this does not read.
absl::StatusOr<EhFrame> ParseEhFrame(const std::string& section, uint64_t address);

}  // namespace minpriv::imports

#endif  // MINPRIV_IMPORTS_EH_FRAME_H_
