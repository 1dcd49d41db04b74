// Move-only owners of the libbpf objects the observer holds: the skeleton, BPF links and
// the ring-buffer reader. Internal to observer/.
#ifndef MINPRIV_OBSERVER_BPF_HANDLES_H_
#define MINPRIV_OBSERVER_BPF_HANDLES_H_

#include <bpf/libbpf.h>

#include <memory>

#include "bpf/minpriv.skel.h"

namespace minpriv::observer {

struct SkelDeleter {
  void operator()(minpriv_bpf* s) const { minpriv_bpf__destroy(s); }
};
using SkelPtr = std::unique_ptr<minpriv_bpf, SkelDeleter>;

struct LinkDeleter {
  void operator()(bpf_link* l) const { bpf_link__destroy(l); }
};
using LinkPtr = std::unique_ptr<bpf_link, LinkDeleter>;

struct RingDeleter {
  void operator()(ring_buffer* r) const { ring_buffer__free(r); }
};
using RingPtr = std::unique_ptr<ring_buffer, RingDeleter>;

}  // namespace minpriv::observer

#endif  // MINPRIV_OBSERVER_BPF_HANDLES_H_
