#include "controller/propose.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "crd/yaml_json.h"
#include "remediator/proposer.h"
#include "remediator/render_patches.h"
#include "remediator/render_seccomp.h"
#include "remediator/runtime_syscalls.h"
#include "yaml-cpp/yaml.h"

namespace minpriv::controller {
namespace {

using nlohmann::json;

absl::StatusOr<json> YamlNodeToJson(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return json();
  YAML::Emitter out;
  out << node;
  absl::StatusOr<std::vector<json>> docs = crd::ParseYamlDocuments(out.c_str(), "narrowed");
  if (!docs.ok()) return docs.status();
  if (docs->empty()) return json();
  return (*docs)[0];
}

const json* FindNamed(const json& list, const std::string& name) {
  if (!list.is_array()) return nullptr;
  for (const json& item : list) {
    if (item.is_object() && item.value("name", "") == name) return &item;
  }
  return nullptr;
}

json At(const json& j, const std::string& pointer) {
  json::json_pointer p(pointer);
  return j.contains(p) ? j.at(p) : json();
}

bool IsUnder(const std::string& path, const std::string& ancestor) {
  return path.size() > ancestor.size() && path.compare(0, ancestor.size(), ancestor) == 0 &&
         path[ancestor.size()] == '/';
}

}  // namespace

json TestOps(const json& original, const json& ops) {
  std::set<std::string> paths;
  if (!ops.is_array()) return json::array();
  for (const json& op : ops) {
    if (!op.is_object() || !op.contains("path") || !op["path"].is_string()) continue;
    json::json_pointer p;
    try {
      p = json::json_pointer(op["path"].get<std::string>());
    } catch (const json::exception&) {
      continue;
    }
    if (op.value("op", "") == "add" && !p.empty()) p = p.parent_pointer();
    while (!p.empty() && !original.contains(p)) p = p.parent_pointer();
    paths.insert(p.to_string());
  }
  json tests = json::array();
  for (const std::string& path : paths) {
    bool nested = false;
    for (const std::string& other : paths) nested = nested || IsUnder(path, other);
    if (nested) continue;
    tests.push_back({{"op", "test"}, {"path", path}, {"value", original.at(json::json_pointer(path))}});
  }
  return tests;
}

json RevertOps(const json& tests, const json& after) {
  json ops = json::array();
  for (const json& t : tests) {
    if (t.value("op", "") != "test") continue;
    json::json_pointer p(t["path"].get<std::string>());
    if (!after.contains(p)) continue;
    ops.push_back({{"op", "test"}, {"path", t["path"]}, {"value", after.at(p)}});
    ops.push_back({{"op", "replace"}, {"path", t["path"]}, {"value", t["value"]}});
  }
  return ops;
}

bool SameContent(const crd::ProposalStatus& a, const crd::ProposalStatus& b) {
  return a.containers == b.containers && a.volumes == b.volumes &&
         a.seccomp_profiles == b.seccomp_profiles && a.patch == b.patch &&
         a.network_policy == b.network_policy && a.evidence == b.evidence &&
         a.risks == b.risks && a.numbers == b.numbers;
}

absl::StatusOr<crd::ProposalStatus> BuildProposalContent(const ProposeInput& in) {
  const WorkloadKind* kind = FindWorkloadKind(in.key.kind);
  if (kind == nullptr) return absl::InvalidArgumentError("unsupported kind " + in.key.kind);
  // The live object as a manifest: what `kubectl get -o json` prints, without status.
  json live = *in.workload;
  live["apiVersion"] = kind->api_version;
  live["kind"] = kind->kind;
  live.erase("status");
  if (live.contains("metadata")) live["metadata"].erase("managedFields");
  std::vector<remediator::ProfileInput> profiles;
  for (size_t i = 0; i < in.partials->size(); ++i) {
    profiles.push_back({(*in.partial_names)[i], (*in.partials)[i]});
  }
  const std::string source = absl::StrCat(in.key.ns, "/", kind->kind, "/", in.key.name);
  absl::StatusOr<remediator::Proposal> proposal =
      remediator::Propose(profiles, {{source, live.dump()}}, *in.inventory);
  if (!proposal.ok()) return proposal.status();
  if (proposal->workloads.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat("expected one workload, the remediator proposed ",
                                                   proposal->workloads.size()));
  }
  const remediator::WorkloadProposal& w = proposal->workloads[0];
  std::map<std::string, std::string> files;
  remediator::AddPatchFiles(*proposal, files);
  remediator::AddSeccompFiles(*proposal, files);

  crd::ProposalStatus st;
  absl::StatusOr<json> narrowed = YamlNodeToJson(proposal->narrowed_objects[w.object]);
  if (!narrowed.ok()) return narrowed.status();
  const json pod = At(*narrowed, kind->pod_spec_path);
  const json live_pod = At(live, kind->pod_spec_path);
  std::set<std::string> syscalls, caps_added, caps_dropped;
  int64_t writable = 0;
  for (const remediator::ContainerProposal& c : w.containers) {
    crd::ContainerChange change;
    change.name = c.name;
    change.init = c.init;
    const char* list = c.init ? "initContainers" : "containers";
    const json narrowed_list = pod.is_object() ? pod.value(list, json()) : json();
    const json live_list = live_pod.is_object() ? live_pod.value(list, json()) : json();
    const json* nc = FindNamed(narrowed_list, c.name);
    const json* oc = FindNamed(live_list, c.name);
    if (nc != nullptr) {
      change.security_context = nc->value("securityContext", json::object());
      for (const json& m : nc->value("volumeMounts", json::array())) {
        const json old_mounts = oc != nullptr ? oc->value("volumeMounts", json()) : json();
        bool existed = m.is_object() && FindNamed(old_mounts, m.value("name", "")) != nullptr;
        if (!existed) change.volume_mounts.push_back(m);
      }
    }
    if (c.seccomp_referenced) change.seccomp_profile = c.seccomp_name;
    st.containers.push_back(std::move(change));
    auto f = files.find(absl::StrCat("seccomp/", c.seccomp_name, ".json"));
    if (f != files.end()) {
      json profile = json::parse(f->second, nullptr, false);
      if (!profile.is_discarded()) st.seccomp_profiles.push_back({c.seccomp_name, profile});
    }
    syscalls.insert(c.seccomp_allowed.begin(), c.seccomp_allowed.end());
    caps_added.insert(c.caps_added.begin(), c.caps_added.end());
    caps_dropped.insert(c.caps_dropped.begin(), c.caps_dropped.end());
    writable += static_cast<int64_t>(c.new_mounts.size());
    for (const std::string& line : c.changes) {
      st.evidence.push_back({absl::StrCat("container ", c.name), line});
    }
    for (const std::string& line : c.risks) {
      st.risks.push_back({line, absl::StrCat("container ", c.name)});
    }
  }
  const json live_volumes = live_pod.is_object() ? live_pod.value("volumes", json()) : json();
  for (const json& v : pod.is_object() ? pod.value("volumes", json::array()) : json::array()) {
    if (v.is_object() && FindNamed(live_volumes, v.value("name", "")) == nullptr) {
      st.volumes.push_back(v);
    }
  }
  for (const std::string& r : w.risks) st.risks.push_back({r, "pod"});
  for (const std::string& d : w.divergence) {
    st.risks.push_back({d, "behaviour seen in only some replicas: check it is expected"});
  }
  json patches = json::parse(files["jsonpatch.json"], nullptr, false);
  json ops = json::array();
  if (patches.is_array() && !patches.empty()) ops = patches[0].value("patch", json::array());
  json patch = TestOps(live, ops);
  for (json& op : ops) patch.push_back(std::move(op));
  st.patch = patch;
  absl::StatusOr<json> policy = YamlNodeToJson(w.network.policy);
  if (!policy.ok()) return policy.status();
  st.network_policy = *policy;
  crd::ProposalNumbers n;
  n.syscalls_allowed = static_cast<int64_t>(syscalls.size());
  n.runtime_default_syscalls = static_cast<int64_t>(remediator::RuntimeDefaultSyscalls().size());
  n.capabilities_added = static_cast<int64_t>(caps_added.size());
  n.capabilities_dropped = static_cast<int64_t>(caps_dropped.size());
  n.writable_paths = writable;
  st.numbers = n;
  return st;
}

}  // namespace minpriv::controller
