// libFuzzer: the WorkloadProfile YAML parser (crd/profile_codec.h). A profile that parses must
// emit canonical YAML that parses again to the same emission.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "crd/profile_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto profile = minpriv::crd::ParseWorkloadProfile(text, "fuzz");
  if (!profile.ok()) return 0;
  std::string emitted = minpriv::crd::EmitWorkloadProfile(*profile);
  auto again = minpriv::crd::ParseWorkloadProfile(emitted, "emitted");
  if (!again.ok() || minpriv::crd::EmitWorkloadProfile(*again) != emitted) __builtin_trap();
  return 0;
}
