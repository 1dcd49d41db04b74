// libFuzzer: the manifest reader (remediator/yaml_io.h, remediator/workload.h) as the webhook's
// proposal source uses it: documents, objects, pod templates, YAML → JSON.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "remediator/workload.h"
#include "remediator/yaml_io.h"
#include "util/json_format.h"

namespace rm = minpriv::remediator;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto docs = rm::ParseYamlDocuments(text, "fuzz.yaml");
  if (!docs.ok()) return 0;
  for (const auto& doc : *docs) {
    for (const auto& obj : rm::ObjectsOf(doc.node)) {
      (void)rm::ObjectKind(obj);
      (void)rm::ObjectName(obj);
      (void)rm::ObjectNamespace(obj);
      (void)rm::Where("fuzz.yaml", obj);
      YAML::Node tmpl = rm::PodTemplate(obj);
      if (tmpl.IsDefined()) (void)minpriv::util::DumpCompact(rm::YamlToJson(tmpl));
    }
    (void)minpriv::util::DumpPretty(rm::YamlToJson(doc.node));
  }
  return 0;
}
