// Finds and parses the libraries a program needs the way the dynamic loader would, inside the
// workload's root: DT_RPATH (when there is no DT_RUNPATH), DT_RUNPATH, with $ORIGIN, $LIB and
// $PLATFORM expanded; then the directories of /etc/ld.so.conf (and its includes) for glibc or
// /etc/ld-musl-x86_64.path for musl; then the standard directories. Files for another
// machine or class are skipped, as the loader skips them. Parsed files are cached by their
// canonical path.
#ifndef MINPRIV_IMPORTS_LOADER_MODEL_H_
#define MINPRIV_IMPORTS_LOADER_MODEL_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "imports/elf_file.h"
#include "imports/root_fs.h"

namespace minpriv::imports {

struct LoadedObject {
  std::string path;       // the container path it was found at (a search dir + its name)
  std::string canonical;  // the same with every symlink resolved inside the root
  ElfInfo info;
};

class LoaderModel {
 public:
  explicit LoaderModel(const RootFs& root) : root_(root) {}

  // Parses the file at container path `path` (cached).
  absl::StatusOr<const LoadedObject*> Load(const std::string& path);

  // Finds DT_NEEDED `name` of `requester`, loaded for `executable`. NotFound when no search
  // directory has it; another error when the file found is broken.
  absl::StatusOr<const LoadedObject*> FindNeeded(const std::string& name,
                                                 const LoadedObject& requester,
                                                 const LoadedObject& executable);

  // The directories searched after rpath/runpath, in order (for musl when `musl`).
  const std::vector<std::string>& SystemDirectories(bool musl);

 private:
  void ReadLdSoConf(const std::string& path, int depth, std::vector<std::string>& out);

  const RootFs& root_;
  std::map<std::string, absl::StatusOr<std::unique_ptr<LoadedObject>>> by_canonical_;
  std::unique_ptr<std::vector<std::string>> glibc_dirs_;
  std::unique_ptr<std::vector<std::string>> musl_dirs_;
};

// Expands $ORIGIN/${ORIGIN}, $LIB/${LIB} (each of lib/x86_64-linux-gnu, lib64 and lib) and
// $PLATFORM/${PLATFORM} in rpath/runpath entries; `origin` is the requesting object's directory.
std::vector<std::string> ExpandSearchPath(const std::vector<std::string>& entries,
                                          const std::string& origin);

}  // namespace minpriv::imports

#endif  // MINPRIV_IMPORTS_LOADER_MODEL_H_
