// The replica comparison: several profiles of one workload (its replicas, or runs on several
// nodes) merged, and what only some of them saw.
#ifndef MINPRIV_REMEDIATOR_REPLICA_DIVERGENCE_H_
#define MINPRIV_REMEDIATOR_REPLICA_DIVERGENCE_H_

#include <string>
#include <vector>

#include "remediator/proposer.h"

namespace minpriv::remediator {

struct MergedProfiles {
  ProfileInput merged;                  // source: the files, comma-separated
  std::vector<std::string> divergence;  // ReplicaDivergence; empty for one profile
};

// One profile: itself. Several: crd::MergeProfiles of them (whatever any of them saw is
// allowed), each one's incomplete reasons and warnings prefixed with its source.
MergedProfiles MergeReplicaProfiles(const std::vector<const ProfileInput*>& group);

// What only some of the profiles of `group` saw, per container: report lines such as
// "container `app`: syscall ptrace, seen in 1 of 3 profiles (b.yaml)" (sorted, at most 25
// per container and a count of the rest), and containers missing from some profiles.
std::vector<std::string> ReplicaDivergence(const std::vector<const ProfileInput*>& group);

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_REPLICA_DIVERGENCE_H_
