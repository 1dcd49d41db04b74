// File helpers with the project's error conventions: absl::Status, never exceptions.
#ifndef MINPRIV_UTIL_FILES_H_
#define MINPRIV_UTIL_FILES_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace minpriv::util {

// Whole file as a string. NotFound / PermissionDenied / InvalidArgument name the path.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Writes `contents` to a temporary file beside `path`, fsyncs it and renames it over
// `path`: readers see the old file or the new one, never half of it.
absl::Status WriteFileAtomic(const std::string& path, std::string_view contents);

// Creates `path` (it must not exist) with `contents`, without syncing: for files inside a
// private staging directory that is synced as a whole (SyncFileSystem) and renamed into place.
absl::Status WriteNewFile(const std::string& path, std::string_view contents);

// Flushes the file system holding `path` (syncfs(2)): one call instead of one fsync per file.
absl::Status SyncFileSystem(const std::string& path);

// Whether `path` is `dir` or lies below it (by path components; "/" holds every path).
bool PathUnder(const std::string& path, const std::string& dir);
// Whether `path` is under /dev, /proc or /sys (kernel file systems a runtime mounts).
bool IsKernelFsPath(const std::string& path);

}  // namespace minpriv::util

#endif  // MINPRIV_UTIL_FILES_H_
