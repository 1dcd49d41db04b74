// Linux capabilities in Kubernetes spelling (no CAP_ prefix): the one table used by the
// codec (validation) and the profiler (CAP number -> name). Plain data, no dependencies.
#ifndef MINPRIV_CRD_CAPABILITIES_H_
#define MINPRIV_CRD_CAPABILITIES_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace minpriv::crd {

// "CHOWN" for 0, ..., "CHECKPOINT_RESTORE" for 40; nullptr for numbers Linux does not define.
const char* CapabilityName(uint32_t cap);
// Inverse of CapabilityName; accepts only the Kubernetes spelling (upper case, no CAP_).
std::optional<uint32_t> CapabilityNumber(std::string_view name);
// Highest defined capability number + 1.
uint32_t CapabilityCount();

}  // namespace minpriv::crd

#endif  // MINPRIV_CRD_CAPABILITIES_H_
