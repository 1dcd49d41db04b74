/* SPDX-License-Identifier: GPL-2.0 */
/* Network: cgroup socket hooks (connect, sendmsg, recvmsg, bind; always allow) and
 * sockops (TCP listen and accepted connections) of watched cgroups. */
#ifndef MINPRIV_BPF_HOOKS_NETWORK_BPF_H_
#define MINPRIV_BPF_HOOKS_NETWORK_BPF_H_

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bpf/abi/events.h"
#include "bpf/helpers/cgroup_filter.bpf.h"
#include "bpf/helpers/dedup.bpf.h"
#include "bpf/maps.bpf.h"

static __always_inline void net_event(__u32 slot, struct mp_workload *w, __u8 kind, __u8 proto,
                                      __u16 family, __u16 port, __u32 a0, __u32 a1, __u32 a2,
                                      __u32 a3) {
  struct mp_seen_key k = {.slot = slot, .kind = MP_SEEN_NET,
                          .a = kind | ((__u64)proto << 8) | ((__u64)family << 16) |
                               ((__u64)port << 32),
                          .b = a0 | ((__u64)a1 << 32), .c = a2 | ((__u64)a3 << 32)};
  if (!first_time(&k)) return;
  struct mp_net_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
  if (!ev) {
    bpf_map_delete_elem(&seen, &k);
    count_drop();
    return;
  }
  fill_header(&ev->hdr, MP_EV_NET, w);
  ev->kind = kind;
  ev->protocol = proto;
  ev->family = family;
  ev->port = port;
  ev->pad = 0;
  __u32 *addr = (__u32 *)ev->addr;
  addr[0] = a0;
  addr[1] = a1;
  addr[2] = a2;
  addr[3] = a3;
  ev->key = k;
  bpf_ringbuf_submit(ev, 0);
}

/* UDP conversations, to tell replies from new flows. Unconnected UDP has no connection to
 * attach a direction to: the first datagram between (our local port, peer) decides it. A
 * datagram received first makes the peer a client of ours (ingress to our local port), and
 * what we send back to it is a reply; a datagram sent first makes the peer a server
 * (egress), and what it sends back is a reply. Keyed by watched slot, local port, peer
 * port, family and peer address. LRU: an evicted conversation is decided again by its next
 * datagram (never a fact lost, at worst a reply seen as a new flow). */
#define UDP_FIRST_RECEIVED 1
#define UDP_FIRST_SENT 2

/* True when this datagram continues a conversation the other side started (a reply);
 * otherwise records who started it. */
static __always_inline bool udp_is_reply(__u32 slot, __u16 local_port, __u16 peer_port,
                                         __u32 family, __u32 a0, __u32 a1, __u32 a2,
                                         __u32 a3, __u32 dir) {
  if (local_port == 0) return false;
  struct udp_conv_key k = {.slot = slot, .local_port = local_port, .peer_port = peer_port,
                           .family = family, .addr = {a0, a1, a2, a3}};
  __u32 *first = bpf_map_lookup_elem(&udp_convs, &k);
  if (first) return *first != dir;
  bpf_map_update_elem(&udp_convs, &k, &dir, BPF_NOEXIST);
  return false;
}

/* kind: MP_NET_EGRESS (connect/sendmsg), MP_NET_LISTEN (bind), MP_NET_INGRESS (UDP
 * recvmsg: the address is the datagram's source). */
static __always_inline int sock_addr4(struct bpf_sock_addr *ctx, __u8 kind) {
  __u32 slot;
  struct mp_workload *w = lookup_workload(bpf_get_current_cgroup_id(), &slot);
  if (!w) return 1;
  __u8 proto = ctx->protocol;
  if (proto != MP_PROTO_TCP && proto != MP_PROTO_UDP) return 1;
  __u16 port = bpf_ntohs((__u16)ctx->user_port);
  if (kind == MP_NET_LISTEN && (proto != MP_PROTO_UDP || port == 0)) return 1;
  __u32 ip = ctx->user_ip4;
  __u16 report_port = port;
  if (proto == MP_PROTO_UDP && kind != MP_NET_LISTEN) {
    struct bpf_sock *sk = ctx->sk;
    if (!sk) return 1;
    __u16 local = (__u16)sk->src_port;
    if (kind == MP_NET_INGRESS) {
      if (sk->state == BPF_TCP_ESTABLISHED) return 1; /* connected: its connect is egress */
      report_port = local;
    }
    bool sent = kind == MP_NET_EGRESS;
    if (udp_is_reply(slot, local, port, MP_AF_INET, ip, 0, 0, 0,
                     sent ? UDP_FIRST_SENT : UDP_FIRST_RECEIVED))
      return 1;
  }
  net_event(slot, w, kind, proto, MP_AF_INET, report_port, ip, 0, 0, 0);
  return 1;
}

static __always_inline int sock_addr6(struct bpf_sock_addr *ctx, __u8 kind) {
  __u32 slot;
  struct mp_workload *w = lookup_workload(bpf_get_current_cgroup_id(), &slot);
  if (!w) return 1;
  __u8 proto = ctx->protocol;
  if (proto != MP_PROTO_TCP && proto != MP_PROTO_UDP) return 1;
  __u16 port = bpf_ntohs((__u16)ctx->user_port);
  if (kind == MP_NET_LISTEN && (proto != MP_PROTO_UDP || port == 0)) return 1;
  __u32 a0 = ctx->user_ip6[0], a1 = ctx->user_ip6[1], a2 = ctx->user_ip6[2],
        a3 = ctx->user_ip6[3];
  __u16 report_port = port;
  if (proto == MP_PROTO_UDP && kind != MP_NET_LISTEN) {
    struct bpf_sock *sk = ctx->sk;
    if (!sk) return 1;
    __u16 local = (__u16)sk->src_port;
    if (kind == MP_NET_INGRESS) {
      if (sk->state == BPF_TCP_ESTABLISHED) return 1;
      report_port = local;
    }
    if (udp_is_reply(slot, local, port, MP_AF_INET6, a0, a1, a2, a3,
                     kind == MP_NET_EGRESS ? UDP_FIRST_SENT : UDP_FIRST_RECEIVED))
      return 1;
  }
  net_event(slot, w, kind, proto, MP_AF_INET6, report_port, a0, a1, a2, a3);
  return 1;
}

SEC("cgroup/connect4")
int on_connect4(struct bpf_sock_addr *ctx) { return sock_addr4(ctx, MP_NET_EGRESS); }

SEC("cgroup/connect6")
int on_connect6(struct bpf_sock_addr *ctx) { return sock_addr6(ctx, MP_NET_EGRESS); }

/* Unconnected UDP sends (connected ones went through connect4/6). */
SEC("cgroup/sendmsg4")
int on_sendmsg4(struct bpf_sock_addr *ctx) { return sock_addr4(ctx, MP_NET_EGRESS); }

SEC("cgroup/sendmsg6")
int on_sendmsg6(struct bpf_sock_addr *ctx) { return sock_addr6(ctx, MP_NET_EGRESS); }

/* UDP receives that ask for the source address (recvfrom/recvmsg with msg_name): inbound
 * datagrams of a UDP server. A server must ask for the address to reply to an unconnected
 * peer, so nothing a reply depends on is missed. */
SEC("cgroup/recvmsg4")
int on_recvmsg4(struct bpf_sock_addr *ctx) { return sock_addr4(ctx, MP_NET_INGRESS); }

SEC("cgroup/recvmsg6")
int on_recvmsg6(struct bpf_sock_addr *ctx) { return sock_addr6(ctx, MP_NET_INGRESS); }

/* UDP "listeners": bind() to a fixed port (TCP listeners come from sockops). */
SEC("cgroup/bind4")
int on_bind4(struct bpf_sock_addr *ctx) { return sock_addr4(ctx, MP_NET_LISTEN); }

SEC("cgroup/bind6")
int on_bind6(struct bpf_sock_addr *ctx) { return sock_addr6(ctx, MP_NET_LISTEN); }

SEC("sockops")
int on_sockops(struct bpf_sock_ops *skops) {
  __u32 op = skops->op;
  if (op != BPF_SOCK_OPS_TCP_LISTEN_CB && op != BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB) return 1;
  struct bpf_sock *bsk = skops->sk;
  if (!bsk) return 1;
  struct tcp_sock *tp = bpf_skc_to_tcp_sock(bsk);
  if (!tp) return 1;
  __u64 cgid = BPF_CORE_READ(tp, inet_conn.icsk_inet.sk.sk_cgrp_data.cgroup, kn, id);
  __u32 slot;
  struct mp_workload *w = lookup_workload(cgid, &slot);
  if (!w) return 1;
  __u16 family = skops->family;
  __u16 port = skops->local_port;
  bool listen = op == BPF_SOCK_OPS_TCP_LISTEN_CB;
  __u8 kind = listen ? MP_NET_LISTEN : MP_NET_INGRESS;
  /* Separate branches: the compiler must not select between ctx field addresses. */
  if (family == MP_AF_INET && listen) {
    net_event(slot, w, kind, MP_PROTO_TCP, MP_AF_INET, port, skops->local_ip4, 0, 0, 0);
  } else if (family == MP_AF_INET) {
    net_event(slot, w, kind, MP_PROTO_TCP, MP_AF_INET, port, skops->remote_ip4, 0, 0, 0);
  } else if (family == MP_AF_INET6 && listen) {
    net_event(slot, w, kind, MP_PROTO_TCP, MP_AF_INET6, port, skops->local_ip6[0],
              skops->local_ip6[1], skops->local_ip6[2], skops->local_ip6[3]);
  } else if (family == MP_AF_INET6) {
    net_event(slot, w, kind, MP_PROTO_TCP, MP_AF_INET6, port, skops->remote_ip6[0],
              skops->remote_ip6[1], skops->remote_ip6[2], skops->remote_ip6[3]);
  }
  return 1;
}

#endif /* MINPRIV_BPF_HOOKS_NETWORK_BPF_H_ */
