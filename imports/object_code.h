// Which of a shared object's imports its code can reach from given entry points: a
// symbol-level call graph of one x86_64 ELF file, built from its code (the method of sysfilter
// and Confine, RAID 2020, taken as facts: function extents from .eh_frame, edges from the
// code, every address-taken function a root).
//
// The graph over-approximates, never under-: the code of each function (an .eh_frame FDE
// start up to the next start, gaps included) is scanned at EVERY byte offset, not decoded, so
// each 4-byte window read as a rel32 branch or RIP-relative displacement that lands in another
// function, a PLT stub or a GOT slot is an edge (real instructions are among the windows;
// spurious ones only add edges). Short branches (rel8) that leave the function, a function
// that may fall through into the next, code outside any FDE, .init/.fini, DT_INIT/DT_FINI,
// the entry point, every relocation that stores a code address (R_X86_64_RELATIVE and
// IRELATIVE addends, absolute relocations against own functions: vtables, callback tables,
// init/fini arrays) are roots or edges. Absolute relocations against imported symbols (a
// function pointer stored in data) always count. Whatever is not understood (no .eh_frame,
// an unknown pointer encoding, RELR relocations, another machine) makes the object `whole`:
// every import counts, as before this analysis.
#ifndef MINPRIV_IMPORTS_OBJECT_CODE_H_
#define MINPRIV_IMPORTS_OBJECT_CODE_H_

#include <cstdint>
#include <optional>
#include <tuple>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "imports/elf_file.h"

namespace minpriv::imports {

class ObjectCode {
 public:
  // Reads and analyses `source`. Errors only for files that are not ELF at all; a file the
  // analysis does not understand gives an object with whole() true and the reason.
  static absl::StatusOr<ObjectCode> Build(const ByteSource& source, absl::string_view name);

  bool whole() const { return !why_whole_.empty(); }
  const std::string& why_whole() const { return why_whole_; }

  // Names (imported or own, unversioned) the code may call or take the address of, when the
  // exported functions `entries` may be called from outside. Roots of the object's own (see
  // above) are always included. For a whole object: every symbol it names.
  std::set<std::string> ReachedNames(const std::set<std::string>& entries) const;

  // Every symbol name a relocation of the object refers to (what the C library's parts need
  // resolved, possibly by another object that interposes them: malloc, free, ...).
  const std::set<std::string>& relocation_names() const { return relocation_names_; }

  // NUL-terminated printable strings in the file that equal one of `names` (what dlsym may be
  // asked for by name).
  std::set<std::string> StringsAmong(const std::set<std::string>& names) const;

  size_t function_count() const { return pieces_.size(); }

  // The system call numbers the exported function `name` makes when every definition of it is
  // a plain wrapper (imports/wrapper_code.h), else nullopt (also when not exported here).
  std::optional<std::set<uint32_t>> WrapperSyscalls(absl::string_view name) const;

 private:
  struct Piece {
    uint64_t start = 0;
    uint64_t end = 0;      // the next piece's start (alignment padding included)
    uint64_t code_end = 0; // the end of its .eh_frame range
    uint64_t offset = 0;   // file offset of `start`
    std::vector<uint32_t> pieces;  // edges to other pieces
    std::vector<uint32_t> names;   // edges to symbol names (index into names_)
  };
  friend class ObjectCodeBuilder;

  std::string why_whole_;
  std::vector<Piece> pieces_;  // sorted by start
  std::vector<std::string> names_;
  std::vector<uint32_t> root_pieces_;
  std::vector<uint32_t> root_names_;
  std::vector<std::tuple<std::string, uint32_t, uint64_t>> exports_;  // name, piece, address; sorted
  std::set<std::string> relocation_names_;
  std::string bytes_;  // the file, for StringsAmong
};

}  // namespace minpriv::imports

#endif  // MINPRIV_IMPORTS_OBJECT_CODE_H_
