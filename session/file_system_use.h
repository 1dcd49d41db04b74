// What a learned workload uses from its file system besides its writes (mapped files such
// as libraries, working directories, files held open), sampled from /proc while it runs,
// and what its image shipped in the directories it wrote (entries born before the learning
// window), listed through its own root at the end: the profile's optional `fileSystemUse`,
// which tells the remediator where an emptyDir would hide something.
//
// Sampling is user space only: nothing is added to the kernel's hot path, so the workload
// pays nothing but the kernel's work to answer /proc reads (bench/: learn ratio). A process
// is sampled when first seen in the cgroup, every kResampleInterval after, and once more
// before the workload is stopped; a process that lives shorter than a poll round may be
// missed (its execs are still observed in the kernel).
#ifndef MINPRIV_SESSION_FILE_SYSTEM_USE_H_
#define MINPRIV_SESSION_FILE_SYSTEM_USE_H_

#include <sys/types.h>

#include <cstddef>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "crd/workload_profile.h"

namespace minpriv::session {

inline constexpr absl::Duration kResampleInterval = absl::Seconds(1);
// Entries recorded per shipped directory (the total is always counted).
inline constexpr size_t kMaxShippedEntries = 32;
// Paths kept per list (mapped, working directories, open files); more is a warning.
inline constexpr size_t kMaxUsedPaths = 4096;
// File descriptors read per process and sample.
inline constexpr size_t kMaxFdsPerProcess = 4096;

class FileSystemUseSampler {
 public:
  explicit FileSystemUseSampler(std::string cgroup_path) : cgroup_(std::move(cgroup_path)) {}

  // Samples the processes of the cgroup seen for the first time, and all of them when
  // `all` or when kResampleInterval has passed since the last full round.
  void Sample(bool all = false);
  // Samples one process (tests; Sample() calls it).
  void SampleProcess(pid_t pid);

  // What was sampled (sorted; capped at kMaxUsedPaths per list, which `capped` tells).
  crd::FileSystemUse Used() const;
  bool capped() const { return capped_; }
  // Cost: samples of processes, and the time spent reading /proc.
  size_t process_samples() const { return process_samples_; }
  absl::Duration time_spent() const { return spent_; }

 private:
  void Keep(std::set<std::string>& into, const std::string& path);

  std::string cgroup_;
  std::set<pid_t> seen_;
  absl::Time last_full_ = absl::InfinitePast();
  std::set<std::string> mapped_, cwds_, open_;
  bool capped_ = false;
  size_t process_samples_ = 0;
  absl::Duration spent_;
};

// Now, by the clock the kernel stamps new files with (CLOCK_REALTIME_COARSE: up to a tick
// behind the precise clock): a file made after this reading has a birth time at or after
// it, so the window start for ListShipped is read with it.
absl::Time CoarseNow();

// A path read from /proc/PID/{cwd,fd/N,maps} (relative to our root) as the workload sees
// it: `proc_root` (readlink of /proc/PID/root) stripped; "" when the path is not inside it.
std::string AsWorkloadPath(const std::string& path, const std::string& proc_root);

// The path of one /proc/PID/maps line, "" for anonymous, special or deleted mappings.
std::string MappedPath(const std::string& maps_line);

// The directories the writes land in and their ancestors (not "/", nor kernel file
// systems), each listed through `root`: the entries born before `window_start` or whose
// birth time is unknown (then they count as shipped: never hide what may be the image's).
std::vector<crd::ShippedDir> ListShipped(const crd::ContainerProfile& container,
                                         const std::string& root, absl::Time window_start);

// Sets `container.file_system_use` from the sampler and the shipped listing through the
// container's root (session/reachability.h's WorkloadRoot); notes become warnings prefixed
// with `whose`. Never fails the learning run.
void AddFileSystemUse(crd::ContainerProfile& container, const FileSystemUseSampler& sampler,
                      bool attached, const std::string& cgroup_path, absl::Time window_start,
                      const std::string& whose, std::vector<std::string>& warnings);

}  // namespace minpriv::session

#endif  // MINPRIV_SESSION_FILE_SYSTEM_USE_H_
