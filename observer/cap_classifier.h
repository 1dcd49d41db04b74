// Telling a capability the workload needed from a check the kernel only made as a probe,
// from the kernel stack of the cap_capable tracepoint.
#ifndef MINPRIV_OBSERVER_CAP_CLASSIFIER_H_
#define MINPRIV_OBSERVER_CAP_CLASSIFIER_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace minpriv::observer {

// Kernel address → function name.
class Symbolizer {
 public:
  virtual ~Symbolizer() = default;
  // Function containing `addr` ("" if unknown).
  virtual std::string Resolve(uint64_t addr) const = 0;
};

// /proc/kallsyms (text symbols). Addresses are only visible to root.
class KallsymsSymbolizer : public Symbolizer {
 public:
  static absl::StatusOr<KallsymsSymbolizer> Load(const std::string& path = "/proc/kallsyms");
  std::string Resolve(uint64_t addr) const override;
  size_t size() const { return symbols_.size(); }

 private:
  std::map<uint64_t, std::string> symbols_;
};

struct CapClassification {
  bool probe = false;       // a check that does not express a need (see cap_classifier.cc)
  std::string call_site;    // first frame outside the capability machinery
  std::string probe_reason; // the frame that made it a probe
};

// Function name without compiler suffixes (".isra.0", ".constprop.0", ".cold", ...).
std::string StripSymbolSuffix(std::string_view name);

// True for functions of the capability-check machinery itself (cap_capable, ns_capable,
// security_capable, BPF trampolines, ...), which are skipped to find the call site.
bool IsCapabilityMachinery(std::string_view fn);

// `cap`: the CAP_* number checked; `frames`: function names, innermost first.
CapClassification ClassifyCapabilityStack(uint32_t cap, const std::vector<std::string>& frames);

}  // namespace minpriv::observer

#endif  // MINPRIV_OBSERVER_CAP_CLASSIFIER_H_
