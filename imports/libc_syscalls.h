// Which x86_64 system calls a C library function may make, for glibc and musl. The data is
// imports/libc_syscalls.tbl (compiled in); its header says how entries were derived.
#ifndef MINPRIV_IMPORTS_LIBC_SYSCALLS_H_
#define MINPRIV_IMPORTS_LIBC_SYSCALLS_H_

#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"

namespace minpriv::imports {

enum class LibcFlavour { kUnknown, kGlibc, kMusl };
absl::string_view LibcFlavourName(LibcFlavour flavour);  // "unknown", "glibc", "musl"

struct LibcMapping {
  std::string entry;                  // the table entry or syscall name that matched
  std::vector<std::string> syscalls;  // sorted, unique; empty for a function making none
};

// Pseudo-entry for what the dynamic loader itself needs to start a dynamic program.
inline constexpr absl::string_view kDynamicLoaderEntry = ".dynamic-loader";

class LibcSyscallTable {
 public:
  // The compiled-in table (parsed once; a malformed table is a build defect and aborts).
  static const LibcSyscallTable& Get();
  // Parses table text (for tests). InvalidArgument names the line.
  static absl::StatusOr<LibcSyscallTable> Parse(absl::string_view text);

  // The syscalls `function` (an imported name without version, e.g. "sendfile64") may make
  // under `flavour` (kUnknown: the union of both), or nullopt when it is not known.
  std::optional<LibcMapping> Lookup(absl::string_view function, LibcFlavour flavour) const;

  // Every function entry (for tests): name, flavour suffix ("", "glibc", "musl"), syscalls.
  struct Entry {
    std::string name;
    std::string flavour;
    std::vector<std::string> syscalls;
  };
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  const Entry* Find(absl::string_view name, LibcFlavour flavour) const;
  std::vector<Entry> entries_;  // sorted by (name, flavour)
};

// The raw table text (imports/libc_syscalls.tbl).
absl::string_view LibcSyscallTableText();

}  // namespace minpriv::imports

#endif  // MINPRIV_IMPORTS_LIBC_SYSCALLS_H_
