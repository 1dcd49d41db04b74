// The replay's own network: a network namespace with a pod address, joined to this host by
// a point-to-point veth pair, with the proposal's NetworkPolicy loaded there as nftables
// rules (nft_policy.h). Owned by a move-only handle: destruction deletes the veth pair, the
// namespace (and with it the rules) and releases the address slot, on every exit path.
//
// Addresses: slot N (0..16383, the first free one from the caller's pid, held by an flock
// on /run/minpriv/podnet/N.lock so concurrent replays never share one) is the /30
// 198.19.(4N/256).(4N%256): .1 is the host side (the pod's gateway and this node's
// address for it), .2 the pod. 198.18.0.0/15 is RFC 2544's benchmarking range, never
// routed. Names: namespace minpriv-vN, host interface mpvN, the pod's interface eth0.
//
// Routing: the pod's default route is the host side. Forwarding is switched on for the
// host side interface only (net.ipv4.conf.mpvN.forwarding, which goes with the interface):
// peers on this machine answer when the interface towards them forwards too (a
// Kubernetes node forwards; the demo's network does); nothing else of the host changes.
#ifndef MINPRIV_VERIFIER_POD_NETWORK_H_
#define MINPRIV_VERIFIER_POD_NETWORK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "util/fd.h"
#include "verifier/nft_policy.h"

namespace minpriv::verifier {

class PodNetwork {
 public:
  // Sets the network up and loads `rules` in it. FailedPrecondition (an environment error)
  // when ip or nft are missing or refuse.
  static absl::StatusOr<PodNetwork> Create(const NftRuleset& rules);

  PodNetwork() = default;
  PodNetwork(PodNetwork&& other) noexcept;
  PodNetwork& operator=(PodNetwork&& other) noexcept;
  PodNetwork(const PodNetwork&) = delete;
  PodNetwork& operator=(const PodNetwork&) = delete;
  ~PodNetwork();

  const std::string& name() const { return name_; }  // the namespace, for `ip netns`
  std::string path() const { return "/run/netns/" + name_; }  // for the runtime spec
  const std::string& pod_ip() const { return pod_ip_; }
  const std::string& gateway_ip() const { return gateway_ip_; }
  const std::string& host_interface() const { return host_if_; }

  // `command` for /bin/sh -c, run inside the namespace (as a sidecar: 127.0.0.1 is the
  // pod's), with MINPRIV_POD_IP set to the pod's address.
  std::string WrapCommand(const std::string& command) const;

  // Packets counted by the named counter of the rules (kEgressDenyCounter, ...).
  absl::StatusOr<uint64_t> CounterPackets(const std::string& counter) const;

 private:
  void Release();
  std::string name_;
  std::string host_if_;
  std::string pod_ip_;
  std::string gateway_ip_;
  util::UniqueFd slot_lock_;
};

// '…' quoting for /bin/sh.
std::string ShellQuote(const std::string& s);

}  // namespace minpriv::verifier

#endif  // MINPRIV_VERIFIER_POD_NETWORK_H_
