#include "observer/observation.h"

namespace minpriv::observer {

const char* FileOpName(FileOp op) {
  switch (op) {
    case FileOp::kWrite: return "write";
    case FileOp::kCreate: return "create";
    case FileOp::kTruncate: return "truncate";
    case FileOp::kMkdir: return "mkdir";
    case FileOp::kUnlink: return "unlink";
    case FileOp::kRmdir: return "rmdir";
    case FileOp::kRename: return "rename";
    case FileOp::kReplace: return "replace";
    case FileOp::kLink: return "link";
    case FileOp::kSymlink: return "symlink";
    case FileOp::kChmod: return "chmod";
    case FileOp::kChown: return "chown";
    case FileOp::kMknod: return "mknod";
    case FileOp::kUtime: return "utime";
    case FileOp::kXattr: return "xattr";
  }
  return "write";
}

const char* ProtocolName(Protocol p) { return p == Protocol::kUdp ? "UDP" : "TCP"; }

}  // namespace minpriv::observer
