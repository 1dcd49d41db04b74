/* SPDX-License-Identifier: GPL-2.0 */
/* cgroup_skb/egress: the query names of DNS packets (UDP and TCP to port 53) of watched
 * cgroups. */
#ifndef MINPRIV_BPF_HOOKS_DNS_BPF_H_
#define MINPRIV_BPF_HOOKS_DNS_BPF_H_

#include "vmlinux.h"

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bpf/abi/events.h"
#include "bpf/helpers/cgroup_filter.bpf.h"
#include "bpf/helpers/dedup.bpf.h"
#include "bpf/helpers/uapi.h"
#include "bpf/maps.bpf.h"

/* DNS query names from UDP/TCP packets to port 53. */
SEC("cgroup_skb/egress")
int on_egress(struct __sk_buff *skb) {
  __u32 slot;
  struct mp_workload *w = lookup_workload(bpf_skb_cgroup_id(skb), &slot);
  if (!w) return 1;
  __u32 off = 0;
  __u8 proto = 0;
  if (skb->protocol == bpf_htons(ETH_P_IP)) {
    __u8 vihl;
    __u16 frag;
    if (bpf_skb_load_bytes(skb, 0, &vihl, 1)) return 1;
    if (bpf_skb_load_bytes(skb, 6, &frag, 2)) return 1;
    if (bpf_ntohs(frag) & 0x1fff) return 1;
    if (bpf_skb_load_bytes(skb, 9, &proto, 1)) return 1;
    off = (vihl & 0xf) * 4;
  } else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
    if (bpf_skb_load_bytes(skb, 6, &proto, 1)) return 1;
    off = 40;
  } else {
    return 1;
  }
  __u16 dport;
  if (proto == MP_PROTO_UDP) {
    if (bpf_skb_load_bytes(skb, off + 2, &dport, 2)) return 1;
    if (dport != bpf_htons(53)) return 1;
    off += 8 + 12;
  } else if (proto == MP_PROTO_TCP) {
    __u8 doff;
    if (bpf_skb_load_bytes(skb, off + 2, &dport, 2)) return 1;
    if (dport != bpf_htons(53)) return 1;
    if (bpf_skb_load_bytes(skb, off + 12, &doff, 1)) return 1;
    off += (doff >> 4) * 4 + 2 + 12; /* TCP DNS messages start with a 2-byte length */
  } else {
    return 1;
  }
  if (skb->len <= off) return 1;
  __u32 n = skb->len - off;
  if (n > MP_DNS_MAX - 1) n = MP_DNS_MAX - 1;
  __u32 idx = SCR_DNS;
  struct mp_dns_event *ev = bpf_map_lookup_elem(&scratch, &idx);
  if (!ev) return 1;
  if (n < 1) return 1;
  if (bpf_skb_load_bytes(skb, off, ev->qname, n)) return 1;
  /* The name ends at the first zero byte (root label). */
  __u32 len = 0;
  __u64 h = 14695981039346656037ULL;
  for (__u32 i = 0; i < MP_DNS_MAX - 1; i++) {
    if (i >= n) break;
    __u8 c = ev->qname[i];
    len = i + 1;
    if (c == 0) break;
    h ^= c;
    h *= 1099511628211ULL;
  }
  struct mp_seen_key k = {.slot = slot, .kind = MP_SEEN_DNS, .a = h, .b = len};
  if (!first_time(&k)) return 1;
  fill_header(&ev->hdr, MP_EV_DNS, w);
  ev->len = len;
  ev->pad[0] = ev->pad[1] = ev->pad[2] = 0;
  output(ev, sizeof(*ev), &k);
  return 1;
}

#endif /* MINPRIV_BPF_HOOKS_DNS_BPF_H_ */
