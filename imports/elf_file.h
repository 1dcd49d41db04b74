// What the dynamic loader and minpriv need from one ELF file: its interpreter, the libraries
// it needs, its search paths, the functions it imports (with their symbol versions) and the
// functions it exports. Only x86_64 ELF64 little-endian files are parsed. Every read is
// bounded by the file's size: truncated or corrupted files give an error, never a crash.
#ifndef MINPRIV_IMPORTS_ELF_FILE_H_
#define MINPRIV_IMPORTS_ELF_FILE_H_

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace minpriv::imports {

// Random access to a file's bytes. Read() fails (OutOfRange) for any range past Size().
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual uint64_t Size() const = 0;
  virtual absl::StatusOr<std::string> Read(uint64_t offset, uint64_t length) const = 0;
};

// Bytes held in memory (tests, small files).
class MemoryByteSource : public ByteSource {
 public:
  explicit MemoryByteSource(std::string bytes) : bytes_(std::move(bytes)) {}
  uint64_t Size() const override { return bytes_.size(); }
  absl::StatusOr<std::string> Read(uint64_t offset, uint64_t length) const override;

 private:
  std::string bytes_;
};

// An undefined function symbol, e.g. sendfile64 with version GLIBC_2.3 from libc.so.6.
struct ImportedSymbol {
  std::string name;
  std::string version;       // empty when unversioned
  std::string version_file;  // the library the version requirement names (vn_file), or empty
  bool weak = false;

  // "name@version", or just "name" when unversioned.
  std::string Display() const { return version.empty() ? name : name + "@" + version; }
  friend bool operator<(const ImportedSymbol& a, const ImportedSymbol& b) {
    return std::tie(a.name, a.version, a.version_file) <
           std::tie(b.name, b.version, b.version_file);
  }
  friend bool operator==(const ImportedSymbol& a, const ImportedSymbol& b) = default;
};

struct ElfInfo {
  uint16_t type = 0;          // e_type: ET_EXEC, ET_DYN, ...
  std::string interpreter;    // PT_INTERP, empty when none
  bool has_dynamic = false;   // a PT_DYNAMIC segment exists
  std::vector<std::string> needed;   // DT_NEEDED, in order
  std::string soname;                // DT_SONAME
  std::vector<std::string> rpath;    // DT_RPATH, split at ':'
  std::vector<std::string> runpath;  // DT_RUNPATH, split at ':'
  std::vector<ImportedSymbol> imports;  // sorted, unique
  std::vector<std::string> exports;     // defined global/weak functions, sorted, unique
};

// Parses `source`; `name` is used in error messages only. Errors:
// InvalidArgument (not an ELF file, malformed or truncated), FailedPrecondition (an ELF
// file for another class or machine than x86_64, which a loader would skip).
absl::StatusOr<ElfInfo> ParseElf(const ByteSource& source, absl::string_view name);

}  // namespace minpriv::imports

#endif  // MINPRIV_IMPORTS_ELF_FILE_H_
