// The system calls a workload's binaries can reach through what they import from the C
// library: for each executable (and each shared library seen loaded), its dependencies are
// resolved inside the workload's root like the dynamic loader would, every function imported
// from the C library is mapped to the calls it may make (imports/libc_syscalls.tbl), and each
// call keeps its evidence ("imported by /usr/sbin/nginx as sendfile64").
//
// What this cannot see is said, not guessed: statically linked binaries (no interpreter and
// no needed libraries) have no reachable set, imports missing from the table are listed as
// unmapped, libraries not found or broken are named. Output is sorted and deterministic.
#ifndef MINPRIV_IMPORTS_REACHABLE_H_
#define MINPRIV_IMPORTS_REACHABLE_H_

#include <compare>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "imports/libc_syscalls.h"

namespace minpriv::imports {

struct ReachInput {
  std::string root = "/";                // the workload's root as seen from here
  std::vector<std::string> executables;  // container paths of executed binaries
  std::vector<std::string> libraries;    // container paths of loaded shared objects (optional)
};

// Why one system call is reachable.
struct Evidence {
  std::string binary;  // the executable (or the loaded library given as input)
  std::string via;     // the library importing it (canonical container path), "" for `binary`
  std::string symbol;  // the imported name without version ("sendfile64"), "" for the loader
  bool loader = false; // needed by the dynamic loader (`via` names it) to start `binary`

  // "imported by /usr/sbin/nginx as sendfile64",
  // "imported by /usr/sbin/nginx via /usr/lib/x86_64-linux-gnu/libssl.so.3 as sendfile",
  // "needed by the dynamic loader /lib64/ld-linux-x86-64.so.2 to start /usr/sbin/nginx".
  std::string ToString() const;
  friend auto operator<=>(const Evidence&, const Evidence&) = default;
  friend bool operator==(const Evidence&, const Evidence&) = default;
};

// One import from the C library that the table does not know (not guessed).
struct UnmappedImport {
  std::string via;     // "" when the binary itself imports it, else the library's path
  std::string symbol;  // with its version when it has one: "getcontext@GLIBC_2.2.5"
  friend auto operator<=>(const UnmappedImport&, const UnmappedImport&) = default;
  friend bool operator==(const UnmappedImport&, const UnmappedImport&) = default;
};

struct BinaryReport {
  std::string path;          // as given
  bool executable = true;    // false for an entry of ReachInput::libraries
  absl::Status status;       // not OK: not found, not an ELF file (a script), malformed
  bool is_static = false;    // statically linked: only observed syscalls are known
  LibcFlavour libc = LibcFlavour::kUnknown;
  std::string libc_path;     // canonical container path of the C library, "" when not found
  std::string interpreter;   // PT_INTERP
  std::vector<std::string> libraries;          // canonical paths of the libraries resolved
  std::vector<std::string> missing_libraries;  // DT_NEEDED names found nowhere
  std::vector<std::string> library_errors;     // "path: why" for libraries found but broken
  std::vector<UnmappedImport> unmapped_imports;
};

struct ReachableSyscalls {
  std::map<std::string, std::vector<Evidence>> syscalls;  // evidence sorted, unique
  std::vector<BinaryReport> binaries;  // executables then libraries, each sorted by path

  std::vector<std::string> Names() const;
  // Distinct unmapped imports (by symbol) over all binaries.
  size_t UnmappedImportCount() const;
};

// Errors: only for the root itself (NotFound, InvalidArgument); problems with single
// binaries are in their BinaryReport::status.
absl::StatusOr<ReachableSyscalls> FindReachableSyscalls(const ReachInput& input);

}  // namespace minpriv::imports

#endif  // MINPRIV_IMPORTS_REACHABLE_H_
