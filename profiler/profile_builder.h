// ProfileBuilder: accumulates the observations of one container into a canonical
// crd::ContainerProfile. Pure user-space logic (no kernel), driven by the observer or by
// synthetic observations in tests.
//
// Decisions (documented for readers of the profile):
// - Every distinct fact keeps a count (the sum of its observations' `count`: the
//   occurrences the kernel saw) and the earliest time it was seen (RFC3339 UTC with
//   milliseconds), whatever the arrival order. A file's count is the modifications of the
//   path (one syscall with several ops is one); a summarised directory sums its files'.
// - Syscall numbers without an x86_64 name (util::SyscallName == nullptr) cannot appear in
//   a seccomp profile by name; they are left out of `syscalls` and reported in Warnings()
//   ("syscall number N ..."), which `minpriv learn` copies into status.warnings.
// - 32-bit syscalls (SyscallAbi::kI386) are listed by their i386 name (the profile lists
//   names; runc resolves them per architecture, so the name allows the call on the 32-bit
//   ABI too). An i386-only name (socketcall, mmap2, getuid32, ...) is not a name the
//   profile schema accepts (x86_64 names): it is left out and reported in Warnings() and
//   IncompleteReasons(). File writes made by 32-bit syscalls are not observed (the kernel
//   programs decode x86_64 numbers only): any 32-bit syscall makes the profile incomplete.
// - A denied capability check still makes the capability needed (the workload tried it):
//   it is listed in `capabilities` and in the evidence with denied: true.
// - More than `summarize_threshold` distinct paths written directly under one directory
//   collapse into one entry for the directory: summarized: true, count = total, ops =
//   union, firstSeen = earliest, examples = the first `max_examples` paths in sorted order.
// - DenialObservations (verification mode) are kept apart (denials()), not in the profile.
// - Observations the schema cannot hold (a relative/unresolved path, port 0, an address
//   that is not numeric) are left out and reported in Warnings(), so Build() always emits
//   a profile the strict parser accepts.
#ifndef MINPRIV_PROFILER_PROFILE_BUILDER_H_
#define MINPRIV_PROFILER_PROFILE_BUILDER_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/time/time.h"
#include "crd/workload_profile.h"
#include "observer/observation.h"

namespace minpriv::profiler {

// RFC3339 in UTC with milliseconds: 2026-01-31T12:00:00.250Z.
std::string Rfc3339Millis(absl::Time t);

// A per-process /proc path in its /proc/self form, so that a profile does not depend on pids
// and thread ids: /proc/<pid>/X, /proc/self/task/<tid>/X, /proc/<pid>/task/<tid>/X and
// /proc/thread-self/X become /proc/self/X. Any other path is returned as it is.
std::string NormaliseProcPath(const std::string& path);

struct ProfileBuilderOptions {
  size_t summarize_threshold = 8;  // > this many files in one directory: summarise
  size_t max_examples = 5;
};

struct TimedDenial {
  absl::Time time;
  observer::DenialObservation denial;
};

class ProfileBuilder : public observer::ObservationSink {
 public:
  explicit ProfileBuilder(std::string container_name, ProfileBuilderOptions options = {});
  // The container this builder describes.
  const std::string& name() const { return name_; }

  void OnSyscall(absl::Time t, const observer::SyscallObservation& o) override;
  void OnCapability(absl::Time t, const observer::CapabilityObservation& o) override;
  void OnFileWrite(absl::Time t, const observer::FileWriteObservation& o) override;
  void OnExec(absl::Time t, const observer::ExecObservation& o) override;
  void OnIdentity(absl::Time t, const observer::IdentityObservation& o) override;
  void OnListen(absl::Time t, const observer::ListenObservation& o) override;
  void OnFlow(absl::Time t, const observer::FlowObservation& o) override;
  void OnDns(absl::Time t, const observer::DnsObservation& o) override;
  void OnDenial(absl::Time t, const observer::DenialObservation& o) override;

  // The canonical profile of everything observed so far.
  crd::ContainerProfile Build() const;

  // Distinct facts so far (syscalls, capability uses, file paths+ops, execs, users,
  // listen ports, flows, DNS names).
  size_t behaviours() const { return behaviours_; }
  // When the latest new fact was observed; absl::InfinitePast() when none yet.
  absl::Time LastNewFact() const { return last_new_fact_; }
  // New facts observed at or after `since` (for "N new in the last 10 s").
  size_t NewFactsSince(absl::Time since) const;
  // True once a listening socket was observed (the workload is "up").
  bool listening() const { return !listen_.empty(); }

  const std::vector<TimedDenial>& denials() const { return denials_; }
  // Facts that could not be put into the profile (sorted, deduplicated).
  std::vector<std::string> Warnings() const;
  // Why the profile may be narrower than the workload's behaviour (sorted; empty when it
  // is not): for status.incompleteReasons.
  std::vector<std::string> IncompleteReasons() const;

 private:
  struct Seen {
    bool known = false;
    uint64_t count = 0;
    absl::Time first = absl::InfiniteFuture();
  };
  // Records an observation standing for `count` occurrences of a fact; returns true when
  // the fact is new.
  bool Note(Seen& seen, absl::Time t, uint64_t count = 1);
  // An observation the profile schema cannot hold (unresolved path, bad address).
  void Reject(std::string warning);

  std::string name_;
  ProfileBuilderOptions options_;
  size_t behaviours_ = 0;
  absl::Time last_new_fact_ = absl::InfinitePast();
  std::vector<absl::Time> new_fact_times_;

  std::map<uint32_t, Seen> syscalls_;
  std::set<uint32_t> unnamed_syscalls_;
  std::map<uint32_t, Seen> syscalls_i386_;
  std::set<uint32_t> unlisted_i386_;  // no i386 name, or an i386-only name
  std::set<uint32_t> unknown_caps_;
  // (capability, call site, comm, denied)
  std::map<std::tuple<std::string, std::string, std::string, bool>, Seen> capabilities_;
  struct FileFacts {
    std::set<std::string> ops;
    Seen seen;
  };
  std::map<std::string, FileFacts> files_;  // path -> ops
  std::set<std::pair<std::string, std::string>> file_ops_seen_;  // (path, op) facts
  std::map<std::string, std::pair<bool, Seen>> execs_;  // path -> (privilege gain, seen)
  std::map<std::pair<uint32_t, uint32_t>, Seen> users_;
  std::set<std::tuple<uint32_t, std::string, std::string>> listen_;
  // (direction, ip, port, protocol)
  std::map<std::tuple<int, std::string, uint32_t, std::string>, Seen> flows_;
  std::set<std::string> dns_;
  std::vector<TimedDenial> denials_;
  std::set<std::string> rejected_;
};

}  // namespace minpriv::profiler

#endif  // MINPRIV_PROFILER_PROFILE_BUILDER_H_
