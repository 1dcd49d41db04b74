// The observer's output contract: typed observations and the sink that receives them, for
// every user of the observer (the profiler, the verifier, the session layer). The observer
// is the only code that sees libbpf and raw kernel events; everything past this interface
// can be driven by synthetic observations in tests. Depends on nothing but absl.
#ifndef MINPRIV_OBSERVER_OBSERVATION_H_
#define MINPRIV_OBSERVER_OBSERVATION_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace minpriv::observer {

enum class FileOp {
  kWrite,     // open/openat/openat2 with O_WRONLY or O_RDWR
  kCreate,    // O_CREAT, creat()
  kTruncate,  // O_TRUNC, truncate(), ftruncate() on a path
  kMkdir,
  kUnlink,
  kRmdir,
  kRename,    // the old path of a rename (both paths with RENAME_EXCHANGE)
  kReplace,   // the new path of a rename: another file now has this name
  kLink,      // new path
  kSymlink,   // new path
  kChmod,
  kChown,
  kMknod,
  kUtime,  // utime, utimes, futimesat, utimensat: timestamps (path or fd)
  kXattr,  // {,l,f}setxattr, {,l,f}removexattr, setxattrat, removexattrat
};
// Lower-case profile spelling: "write", "create", ...
const char* FileOpName(FileOp op);

// x86_64 tasks can make 32-bit syscalls too (int 0x80, or a 32-bit program): those are
// numbered by the i386 table (util::SyscallNameI386).
enum class SyscallAbi { kX86_64, kI386 };

struct SyscallObservation {
  uint32_t nr = 0;  // syscall number in `abi`'s table
  SyscallAbi abi = SyscallAbi::kX86_64;
};

// A capability the workload needed (probe-only checks are filtered out by the observer,
// which reports them only as a count).
struct CapabilityObservation {
  uint32_t cap = 0;       // CAP_* number
  bool allowed = true;    // false: the check failed (a denial)
  std::string call_site;  // kernel function that made the check
  std::string comm;       // task comm of the process
  uint64_t count = 1;     // occurrences this observation stands for
};

struct FileWriteObservation {
  FileOp op = FileOp::kWrite;
  std::string path;  // absolute, normalised, as the workload sees it
  std::string comm;
  // Modifications of `path` this observation stands for. One syscall with several ops
  // (open with O_CREAT|O_TRUNC) is one modification: the observer sends one observation
  // per op, the first with the count and the others with count = 0.
  uint64_t count = 1;
};

struct ExecObservation {
  std::string path;  // absolute, as the workload sees it
  bool privilege_gain = false;
  uint64_t count = 1;  // execs this observation stands for
};

struct IdentityObservation {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string comm;  // task comm of the process first seen with this identity
};

enum class Protocol { kTcp, kUdp };
const char* ProtocolName(Protocol p);  // "TCP" | "UDP"

struct ListenObservation {
  uint32_t port = 0;
  Protocol protocol = Protocol::kTcp;
  std::string address;  // bound address, "0.0.0.0" / "::" for any
};

enum class Direction { kIngress, kEgress };

struct FlowObservation {
  Direction direction = Direction::kEgress;
  std::string ip;     // peer address, inet_ntop form
  uint32_t port = 0;  // egress: peer port; ingress: our (local) port
  Protocol protocol = Protocol::kTcp;
  // Connections (TCP connect/accept) or datagram sends (UDP) this observation stands for.
  uint64_t count = 1;
};

struct DnsObservation {
  std::string name;  // lower case, no trailing dot
};

// A failure the kernel reported to the workload that a profile could have caused. Only
// reported when the observer runs in verification mode.
struct DenialObservation {
  enum class Kind { kSyscall, kFileWrite } kind = Kind::kSyscall;
  uint32_t nr = 0;     // syscall number in `abi`'s table
  SyscallAbi abi = SyscallAbi::kX86_64;
  int32_t error = 0;   // errno (positive): EPERM, EACCES, EROFS
  std::string path;    // kFileWrite: the path the workload tried to modify
  FileOp op = FileOp::kWrite;
  std::string comm;
};

// Receives the observations of one workload. Each distinct fact arrives at least once (the
// kernel deduplicates, so usually once, when first seen). Repeats add their count: the
// observations with a `count` field say how many occurrences they stand for, and the
// observer reports the occurrences after the first by sending the same fact again (same
// time as its first observation) with count = the further occurrences, at Drain() and
// Detach(). A sink sums the counts of equal facts; counts never go backwards and are never
// reported twice. Observations without a `count` field stand for "seen". Called from the
// observer's polling thread only.
class ObservationSink {
 public:
  virtual ~ObservationSink() = default;
  virtual void OnSyscall(absl::Time t, const SyscallObservation& o) = 0;
  virtual void OnCapability(absl::Time t, const CapabilityObservation& o) = 0;
  virtual void OnFileWrite(absl::Time t, const FileWriteObservation& o) = 0;
  virtual void OnExec(absl::Time t, const ExecObservation& o) = 0;
  virtual void OnIdentity(absl::Time t, const IdentityObservation& o) = 0;
  virtual void OnListen(absl::Time t, const ListenObservation& o) = 0;
  virtual void OnFlow(absl::Time t, const FlowObservation& o) = 0;
  virtual void OnDns(absl::Time t, const DnsObservation& o) = 0;
  virtual void OnDenial(absl::Time t, const DenialObservation& o) {}
};

}  // namespace minpriv::observer

#endif  // MINPRIV_OBSERVER_OBSERVATION_H_
