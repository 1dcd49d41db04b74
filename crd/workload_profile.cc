// Canonicalize(): sorted, duplicate-free lists so equal facts give equal objects and bytes.
#include <algorithm>
#include <iterator>
#include <tuple>
#include <utility>

#include "crd/workload_profile.h"

namespace minpriv::crd {
namespace {

void SortUnique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// Earliest of two RFC3339 times in the profile's one format (fixed-width UTC, so the
// string order is the time order); empty means unknown and loses to any known time.
std::string EarlierTime(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return std::min(a, b);
}

// Sorts `v` by `key` and merges runs of equal keys into their first element with `merge`.
template <typename T, typename Key, typename Merge>
void SortMerge(std::vector<T>& v, Key key, Merge merge) {
  std::stable_sort(v.begin(), v.end(),
                   [&](const T& a, const T& b) { return key(a) < key(b); });
  std::vector<T> out;
  out.reserve(v.size());
  for (T& item : v) {
    if (!out.empty() && key(out.back()) == key(item)) {
      merge(out.back(), item);
    } else {
      out.push_back(std::move(item));
    }
  }
  v = std::move(out);
}

void MergePeer(Peer& into, const Peer& from) {
  into.count += from.count;
  into.first_seen = EarlierTime(into.first_seen, from.first_seen);
}

void CanonicalizeNetwork(NetworkProfile& n) {
  SortMerge(
      n.listen, [](const ListenPort& l) { return std::tie(l.port, l.protocol, l.address); },
      [](ListenPort&, const ListenPort&) {});
  auto peer_key = [](const Peer& p) { return std::tie(p.ip, p.port, p.protocol); };
  SortMerge(n.ingress, peer_key, MergePeer);
  SortMerge(n.egress, peer_key, MergePeer);
  SortUnique(n.dns);
}

void CanonicalizeContainer(ContainerProfile& c) {
  SortUnique(c.syscalls);
  SortUnique(c.capabilities);
  SortMerge(
      c.capability_evidence,
      [](const CapabilityUse& u) {
        return std::tie(u.capability, u.call_site, u.binary, u.denied);
      },
      [](CapabilityUse& into, const CapabilityUse& from) {
        into.count += from.count;
        into.first_seen = EarlierTime(into.first_seen, from.first_seen);
      });
  for (FileWrite& f : c.file_writes) {
    SortUnique(f.ops);
    SortUnique(f.examples);
  }
  SortMerge(
      c.file_writes, [](const FileWrite& f) { return std::tie(f.path); },
      [](FileWrite& into, const FileWrite& from) {
        into.count += from.count;
        into.first_seen = EarlierTime(into.first_seen, from.first_seen);
        into.summarized = into.summarized || from.summarized;
        into.ops.insert(into.ops.end(), from.ops.begin(), from.ops.end());
        SortUnique(into.ops);
        into.examples.insert(into.examples.end(), from.examples.begin(), from.examples.end());
        SortUnique(into.examples);
      });
  SortMerge(
      c.execs, [](const Exec& e) { return std::tie(e.path); },
      [](Exec& into, const Exec& from) {
        into.count += from.count;
        into.first_seen = EarlierTime(into.first_seen, from.first_seen);
        into.privilege_gain = into.privilege_gain || from.privilege_gain;
      });
  SortMerge(
      c.users, [](const User& u) { return std::tie(u.uid, u.gid); },
      [](User&, const User&) {});
  CanonicalizeNetwork(c.network);
  if (c.reachable.has_value()) {
    for (ReachableSyscall& r : c.reachable->syscalls) SortUnique(r.evidence);
    SortMerge(
        c.reachable->syscalls, [](const ReachableSyscall& r) { return std::tie(r.name); },
        [](ReachableSyscall& into, const ReachableSyscall& from) {
          into.evidence.insert(into.evidence.end(), from.evidence.begin(), from.evidence.end());
          SortUnique(into.evidence);
        });
    SortUnique(c.reachable->static_binaries);
  }
  if (c.file_system_use.has_value()) {
    FileSystemUse& u = *c.file_system_use;
    SortUnique(u.mapped);
    SortUnique(u.working_dirs);
    SortUnique(u.open_files);
    for (ShippedDir& d : u.shipped) SortUnique(d.entries);
    SortMerge(
        u.shipped, [](const ShippedDir& d) { return std::tie(d.path); },
        [](ShippedDir& into, const ShippedDir& from) {
          into.entries.insert(into.entries.end(), from.entries.begin(), from.entries.end());
          SortUnique(into.entries);
          into.total = std::max(into.total, from.total);
        });
  }
}

// Unites `from` into `into`; either may be absent (absent stays absent only when both are).
void MergeFileSystemUse(std::optional<FileSystemUse>& into,
                        const std::optional<FileSystemUse>& from) {
  if (!from.has_value()) return;
  if (!into.has_value()) {
    into = from;
    return;
  }
  auto append = [](auto& to, const auto& what) { to.insert(to.end(), what.begin(), what.end()); };
  append(into->mapped, from->mapped);
  append(into->working_dirs, from->working_dirs);
  append(into->open_files, from->open_files);
  append(into->shipped, from->shipped);
}

// Unites `from` into `into`; either may be absent (absent stays absent only when both are).
void MergeReachability(std::optional<Reachability>& into,
                       const std::optional<Reachability>& from) {
  if (!from.has_value()) return;
  if (!into.has_value()) {
    into = from;
    return;
  }
  into->syscalls.insert(into->syscalls.end(), from->syscalls.begin(), from->syscalls.end());
  into->static_binaries.insert(into->static_binaries.end(), from->static_binaries.begin(),
                               from->static_binaries.end());
  into->unmapped_imports = std::max(into->unmapped_imports, from->unmapped_imports);
}

template <typename T>
void Append(std::vector<T>& into, const std::vector<T>& from) {
  into.insert(into.end(), from.begin(), from.end());
}

}  // namespace

void Canonicalize(WorkloadProfile& profile) {
  // Containers with the same name are one container: union of their facts.
  SortMerge(
      profile.containers, [](const ContainerProfile& c) { return std::tie(c.name); },
      [](ContainerProfile& into, const ContainerProfile& from) {
        Append(into.syscalls, from.syscalls);
        Append(into.capabilities, from.capabilities);
        Append(into.capability_evidence, from.capability_evidence);
        Append(into.file_writes, from.file_writes);
        Append(into.execs, from.execs);
        Append(into.users, from.users);
        Append(into.network.listen, from.network.listen);
        Append(into.network.ingress, from.network.ingress);
        Append(into.network.egress, from.network.egress);
        Append(into.network.dns, from.network.dns);
        MergeReachability(into.reachable, from.reachable);
        MergeFileSystemUse(into.file_system_use, from.file_system_use);
      });
  for (ContainerProfile& c : profile.containers) CanonicalizeContainer(c);
  SortUnique(profile.status.incomplete_reasons);
  SortUnique(profile.status.warnings);
}

WorkloadProfile MergeProfiles(const std::vector<WorkloadProfile>& profiles) {
  WorkloadProfile out;
  if (profiles.empty()) return out;
  out.name = profiles.front().name;
  out.labels = profiles.front().labels;
  for (const WorkloadProfile& p : profiles) {
    if (out.namespace_.empty()) out.namespace_ = p.namespace_;
    if (out.target.empty()) out.target = p.target;
    for (auto it = out.labels.begin(); it != out.labels.end();) {
      auto found = p.labels.find(it->first);
      it = (found == p.labels.end() || found->second != it->second) ? out.labels.erase(it)
                                                                     : std::next(it);
    }
    Append(out.containers, p.containers);
    const ProfileStatus& s = p.status;
    out.status.window.start = EarlierTime(out.status.window.start, s.window.start);
    out.status.window.end = std::max(out.status.window.end, s.window.end);
    out.status.complete = out.status.complete && s.complete;
    out.status.dropped_events += s.dropped_events;
    Append(out.status.incomplete_reasons, s.incomplete_reasons);
    Append(out.status.warnings, s.warnings);
  }
  Canonicalize(out);
  return out;
}

}  // namespace minpriv::crd
