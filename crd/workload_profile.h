// WorkloadProfile: the learned facts about one workload, as the public resource
// `minpriv.dev/v1alpha1, Kind=WorkloadProfile`. The same schema serves files, custom
// resources and tests. Plain data only: this header depends on nothing of ours.
//
// Canonical form (what Canonicalize() produces and the emitter writes): every list sorted
// and free of duplicates, so the same facts always serialise to the same bytes.
#ifndef MINPRIV_CRD_WORKLOAD_PROFILE_H_
#define MINPRIV_CRD_WORKLOAD_PROFILE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace minpriv::crd {

inline constexpr char kApiVersion[] = "minpriv.dev/v1alpha1";
inline constexpr char kWorkloadProfileKind[] = "WorkloadProfile";

// One file-system path the workload modified. `path` is absolute, as the workload sees it
// (resolved against its own root). When many files under one directory were written, the
// profiler may summarise them as the directory with `summarized: true`, keeping a few
// `examples` as evidence and the total `count`.
struct FileWrite {
  std::string path;
  std::vector<std::string> ops;  // sorted: chmod chown create link mkdir mknod rename
                                 // replace rmdir symlink truncate unlink utime write xattr
                                 // (rename: the old name; replace: the new name of a rename)
  uint64_t count = 0;            // modifications seen (after in-kernel dedup: distinct ones)
  std::string first_seen;        // RFC3339 with milliseconds, UTC
  bool summarized = false;       // path is a directory standing for many written files
  std::vector<std::string> examples;  // up to a few concrete paths when summarized
  bool operator==(const FileWrite&) const = default;
};

struct Exec {
  std::string path;             // absolute, as the workload sees it
  bool privilege_gain = false;  // setuid/setgid bit or file capabilities raised privilege
  uint64_t count = 0;
  std::string first_seen;
  bool operator==(const Exec&) const = default;
};

struct User {
  uint32_t uid = 0;
  uint32_t gid = 0;
  bool operator==(const User&) const = default;
};

// Evidence for a capability the workload needed: where the kernel checked it.
struct CapabilityUse {
  std::string capability;  // Kubernetes spelling, no CAP_ prefix
  std::string call_site;   // kernel function that asked, e.g. "setattr_prepare"
  std::string binary;      // executable of the process that needed it (comm or exe path)
  uint64_t count = 0;
  std::string first_seen;
  bool denied = false;  // the check failed (the workload tried but was not allowed)
  bool operator==(const CapabilityUse&) const = default;
};

struct ListenPort {
  uint32_t port = 0;
  std::string protocol;  // TCP | UDP
  std::string address;   // bound address; empty or "0.0.0.0" / "::" means any
  bool operator==(const ListenPort&) const = default;
};

struct Peer {
  std::string ip;        // canonical text form (inet_ntop)
  uint32_t port = 0;     // remote port for egress, local (our) port for ingress
  std::string protocol;  // TCP | UDP
  uint64_t count = 0;
  std::string first_seen;
  bool operator==(const Peer&) const = default;
};

struct NetworkProfile {
  std::vector<ListenPort> listen;
  std::vector<Peer> ingress;
  std::vector<Peer> egress;
  std::vector<std::string> dns;  // names queried, lower case, no trailing dot
  bool operator==(const NetworkProfile&) const = default;
};

// One system call the container's binaries can reach through their imports from the C
// library, with why ("imported by /usr/sbin/nginx as sendfile64").
struct ReachableSyscall {
  std::string name;                   // x86_64 syscall name
  std::vector<std::string> evidence;  // sorted, unique
  bool operator==(const ReachableSyscall&) const = default;
};

// What the executed binaries can reach (computed at the end of learning). Absent from a
// profile when not computed, so older profiles keep their bytes.
struct Reachability {
  std::vector<ReachableSyscall> syscalls;    // sorted by name
  std::vector<std::string> static_binaries;  // statically linked: only observed calls known
  uint64_t unmapped_imports = 0;             // C library imports the table does not know
  bool operator==(const Reachability&) const = default;
};

// A directory the workload wrote in (or one of its ancestors) and the entries the image
// shipped there: those present before the learning window started.
struct ShippedDir {
  std::string path;                  // absolute, as the workload sees it
  std::vector<std::string> entries;  // names (not paths), sorted, at most a few dozen
  uint64_t total = 0;                // entries there before the window (> entries.size(): capped)
  bool operator==(const ShippedDir&) const = default;
};

// What the workload used from its file system besides its writes, and what the image
// shipped where it wrote: what an emptyDir must never hide. Sampled from /proc while
// learning (session/file_system_use.h). Absent from a profile learned without it, so older
// profiles keep their bytes and their proposals.
struct FileSystemUse {
  std::vector<std::string> mapped;        // files mapped into memory: libraries, mmaps
  std::vector<std::string> working_dirs;  // working directories of the processes
  std::vector<std::string> open_files;    // regular files held open (read or write)
  std::vector<ShippedDir> shipped;        // sorted by path
  bool operator==(const FileSystemUse&) const = default;
};

struct ContainerProfile {
  std::string name;
  std::vector<std::string> syscalls;      // sorted syscall names (x86_64 names)
  std::vector<std::string> capabilities;  // sorted, Kubernetes spelling (CHOWN, NET_ADMIN)
  std::vector<CapabilityUse> capability_evidence;  // sorted by capability, call_site
  std::vector<FileWrite> file_writes;              // sorted by path
  std::vector<Exec> execs;                         // sorted by path
  std::vector<User> users;                         // sorted by uid, gid
  NetworkProfile network;
  std::optional<Reachability> reachable;  // absent: not computed
  std::optional<FileSystemUse> file_system_use;  // absent: not sampled
  bool operator==(const ContainerProfile&) const = default;
};

struct Window {
  std::string start;  // RFC3339
  std::string end;
  bool operator==(const Window&) const = default;
};

struct ProfileStatus {
  Window window;
  bool complete = true;
  std::vector<std::string> incomplete_reasons;  // why complete is false (sorted)
  uint64_t dropped_events = 0;
  std::vector<std::string> warnings;  // e.g. hooks the kernel lacked (sorted)
  bool operator==(const ProfileStatus&) const = default;
};

// The workload a profile (or proposal) is about, e.g. {apps/v1, Deployment, shopfront}.
struct Target {
  std::string api_version;
  std::string kind;
  std::string name;
  bool empty() const { return api_version.empty() && kind.empty() && name.empty(); }
  bool operator==(const Target&) const = default;
};

// The status.incompleteReasons entry of a profile learned by attaching to processes that
// were already running (learn --cgroup/--container): their start-up (the dynamic loader,
// libc's initialisation) was not observed. Exact text: the remediator keys on it to allow
// the start-up calls nevertheless.
inline constexpr char kReasonStartupNotObserved[] =
    "attached to a running workload: its start-up was not observed";

struct WorkloadProfile {
  std::string name;
  std::string namespace_;  // empty: unspecified (matches any namespace)
  // Cluster use (absent in files learned on one machine; then nothing is written for them):
  // metadata.labels (minpriv.dev/node, minpriv.dev/workload-kind, minpriv.dev/workload-name)
  // and spec.target.
  std::map<std::string, std::string> labels;
  Target target;  // empty: not written
  std::vector<ContainerProfile> containers;  // sorted by name
  ProfileStatus status;
  bool operator==(const WorkloadProfile&) const = default;
};

// Sorts and deduplicates every list (merging duplicate entries by summing counts and
// keeping the earliest first_seen), so equal facts give equal objects.
void Canonicalize(WorkloadProfile& profile);

// Several profiles of one workload (its replicas, or learning runs on several nodes) as one:
// every fact any of them saw (counts summed, earliest first-seen), the window spanning all of
// them, complete only when all are, dropped events summed, reasons and warnings united. Name
// and namespace are the first profile's (a namespace any of them gives when it has none);
// the target is the first one given; labels are those every profile has with the same value
// (so the partials of several nodes merge without a minpriv.dev/node label).
WorkloadProfile MergeProfiles(const std::vector<WorkloadProfile>& profiles);

}  // namespace minpriv::crd

#endif  // MINPRIV_CRD_WORKLOAD_PROFILE_H_
