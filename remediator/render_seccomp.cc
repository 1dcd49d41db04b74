#include "remediator/render_seccomp.h"

#include <iterator>
#include <vector>

#include "absl/strings/str_cat.h"
#include "remediator/dns_label.h"
#include "remediator/yaml_io.h"
#include "util/json_format.h"

namespace minpriv::remediator {
namespace {

using nlohmann::ordered_json;

// The architectures every profile names (the runtime maps x86_64 names onto the others).
constexpr const char* kArchitectures[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
                                          "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"};

ordered_json SeccompJson(const ContainerProposal& c) {
  ordered_json j = ordered_json::object();
  j["defaultAction"] = "SCMP_ACT_ERRNO";
  j["defaultErrnoRet"] = 1;
  j["architectures"] = std::vector<std::string>(std::begin(kArchitectures), std::end(kArchitectures));
  ordered_json rule = ordered_json::object();
  rule["names"] = c.seccomp_allowed;
  rule["action"] = "SCMP_ACT_ALLOW";
  j["syscalls"] = ordered_json::array({std::move(rule)});
  return j;
}

YAML::Node SeccompProfileObject(const WorkloadProposal& w, const ContainerProposal& c) {
  YAML::Node obj = NewMap();
  obj["apiVersion"] = Str("security-profiles-operator.x-k8s.io/v1beta1");
  obj["kind"] = Str("SeccompProfile");
  YAML::Node meta = NewMap();
  meta["name"] = Str(DnsLabel(c.seccomp_name));
  if (!w.namespace_.empty()) meta["namespace"] = Str(w.namespace_);
  YAML::Node labels = NewMap();
  labels[Str("app.kubernetes.io/managed-by")] = Str("minpriv");
  meta["labels"] = labels;
  obj["metadata"] = meta;
  YAML::Node spec = NewMap();
  spec["defaultAction"] = Str("SCMP_ACT_ERRNO");
  YAML::Node arch = NewSeq();
  for (const char* a : kArchitectures) {
    arch.push_back(Str(a));
  }
  spec["architectures"] = arch;
  YAML::Node rule = NewMap();
  rule["action"] = Str("SCMP_ACT_ALLOW");
  YAML::Node names = NewSeq();
  for (const auto& s : c.seccomp_allowed) names.push_back(Str(s));
  rule["names"] = names;
  YAML::Node rules = NewSeq();
  rules.push_back(rule);
  spec["syscalls"] = rules;
  obj["spec"] = spec;
  return obj;
}

}  // namespace

void AddSeccompFiles(const Proposal& p, std::map<std::string, std::string>& files) {
  std::vector<YAML::Node> spo;
  for (const auto& w : p.workloads) {
    for (const auto& c : w.containers) {
      files[absl::StrCat("seccomp/", c.seccomp_name, ".json")] = util::DumpPretty(SeccompJson(c));
      spo.push_back(SeccompProfileObject(w, c));
    }
  }
  files["seccompprofiles.yaml"] = EmitYamlDocuments(spo);
}

}  // namespace minpriv::remediator
