#include "verifier/workload.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crd/yaml_input.h"

namespace minpriv::verifier {

namespace {

// Parse errors carry the node's position; thrown only inside this file and caught at the
// adapter boundary (ParseWorkloads).
struct FieldError {
  YAML::Mark mark;
  std::string message;
};

std::string Where(const std::string& source, const YAML::Mark& mark) {
  return absl::StrCat(source, ":", mark.line + 1, ":", mark.column + 1);
}

[[noreturn]] void Fail(const YAML::Node& node, std::string message) {
  throw FieldError{node.Mark(), std::move(message)};
}

std::string Str(const YAML::Node& node, const std::string& field) {
  if (!node.IsScalar()) Fail(node, absl::StrCat(field, " must be a string"));
  return node.Scalar();
}

bool Bool(const YAML::Node& node, const std::string& field) {
  if (node.IsScalar()) {
    const std::string& s = node.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  Fail(node, absl::StrCat(field, " must be true or false"));
}

int64_t Int(const YAML::Node& node, const std::string& field) {
  if (node.IsScalar()) {
    const std::string& s = node.Scalar();
    size_t pos = 0;
    try {
      long long v = std::stoll(s, &pos, 10);
      if (pos == s.size()) return v;
    } catch (const std::exception&) {
    }
  }
  Fail(node, absl::StrCat(field, " must be an integer"));
}

std::vector<std::string> StrList(const YAML::Node& node, const std::string& field) {
  std::vector<std::string> out;
  if (node.IsNull()) return out;
  if (!node.IsSequence()) Fail(node, absl::StrCat(field, " must be a list of strings"));
  for (const auto& item : node) out.push_back(Str(item, field));
  return out;
}

SecurityContext ParseSecurityContext(const YAML::Node& node, bool pod) {
  SecurityContext sc;
  if (!node || node.IsNull()) return sc;
  if (!node.IsMap()) Fail(node, "securityContext must be a mapping");
  std::string what = pod ? "spec.securityContext" : "securityContext";
  if (auto n = node["runAsUser"]) sc.run_as_user = Int(n, what + ".runAsUser");
  if (auto n = node["runAsGroup"]) sc.run_as_group = Int(n, what + ".runAsGroup");
  if (auto n = node["runAsNonRoot"]) sc.run_as_non_root = Bool(n, what + ".runAsNonRoot");
  if (auto n = node["seccompProfile"]) {
    if (!n.IsMap()) Fail(n, what + ".seccompProfile must be a mapping");
    SeccompProfileRef ref;
    if (!n["type"]) Fail(n, what + ".seccompProfile needs a type (RuntimeDefault, Localhost or Unconfined)");
    ref.type = Str(n["type"], "seccompProfile.type");
    if (ref.type != "RuntimeDefault" && ref.type != "Localhost" && ref.type != "Unconfined") {
      Fail(n["type"], "seccompProfile.type must be RuntimeDefault, Localhost or Unconfined");
    }
    if (auto lp = n["localhostProfile"]) ref.localhost_profile = Str(lp, "localhostProfile");
    if (ref.type == "Localhost" && ref.localhost_profile.empty()) {
      Fail(n, "seccompProfile of type Localhost needs localhostProfile");
    }
    sc.seccomp_profile = ref;
  }
  if (pod) {
    if (auto n = node["supplementalGroups"]) {
      if (!n.IsSequence()) Fail(n, "supplementalGroups must be a list of integers");
      for (const auto& g : n) sc.supplemental_groups.push_back(Int(g, "supplementalGroups"));
    }
    if (auto n = node["fsGroup"]) sc.fs_group = Int(n, "fsGroup");
    for (const char* k : {"readOnlyRootFilesystem", "allowPrivilegeEscalation", "privileged",
                          "capabilities"}) {
      if (node[k]) {
        Fail(node[k], absl::StrCat(k, " belongs in a container's securityContext, not the pod's"));
      }
    }
    return sc;
  }
  if (auto n = node["readOnlyRootFilesystem"]) {
    sc.read_only_root_filesystem = Bool(n, what + ".readOnlyRootFilesystem");
  }
  if (auto n = node["allowPrivilegeEscalation"]) {
    sc.allow_privilege_escalation = Bool(n, what + ".allowPrivilegeEscalation");
  }
  if (auto n = node["privileged"]) sc.privileged = Bool(n, what + ".privileged");
  if (auto n = node["procMount"]) sc.proc_mount = Str(n, what + ".procMount");
  if (auto n = node["capabilities"]) {
    if (!n.IsMap()) Fail(n, "capabilities must be a mapping with add and drop lists");
    CapabilityChanges caps;
    if (auto a = n["add"]) caps.add = StrList(a, "capabilities.add");
    if (auto d = n["drop"]) caps.drop = StrList(d, "capabilities.drop");
    sc.capabilities = caps;
  }
  return sc;
}

Container ParseContainer(const YAML::Node& node) {
  if (!node.IsMap()) Fail(node, "a container must be a mapping");
  Container c;
  if (!node["name"]) Fail(node, "container without a name; add name:");
  c.name = Str(node["name"], "container name");
  if (auto n = node["command"]) c.command = StrList(n, "command");
  if (auto n = node["args"]) c.args = StrList(n, "args");
  if (auto n = node["workingDir"]) c.working_dir = Str(n, "workingDir");
  if (auto n = node["env"]) {
    if (!n.IsSequence()) Fail(n, "env must be a list");
    for (const auto& e : n) {
      if (!e.IsMap() || !e["name"]) Fail(e, "env entries need a name");
      EnvVar v;
      v.name = Str(e["name"], "env name");
      if (auto val = e["value"]) v.value = Str(val, "env value");
      if (e["valueFrom"]) v.from_source = true;
      c.env.push_back(std::move(v));
    }
  }
  if (auto n = node["volumeMounts"]) {
    if (!n.IsSequence()) Fail(n, "volumeMounts must be a list");
    for (const auto& m : n) {
      if (!m.IsMap() || !m["name"] || !m["mountPath"]) {
        Fail(m, "volumeMounts entries need name and mountPath");
      }
      VolumeMount vm;
      vm.name = Str(m["name"], "volumeMounts.name");
      vm.mount_path = Str(m["mountPath"], "volumeMounts.mountPath");
      if (vm.mount_path.empty() || vm.mount_path[0] != '/') {
        Fail(m["mountPath"], "mountPath must be an absolute path");
      }
      if (auto ro = m["readOnly"]) vm.read_only = Bool(ro, "volumeMounts.readOnly");
      if (auto sp = m["subPath"]) vm.sub_path = Str(sp, "volumeMounts.subPath");
      c.volume_mounts.push_back(std::move(vm));
    }
  }
  c.security_context = ParseSecurityContext(node["securityContext"], /*pod=*/false);
  if (auto r = node["resources"]; r && r.IsMap()) {
    if (auto l = r["limits"]; l && l.IsMap() && l["memory"]) {
      c.memory_limit = Str(l["memory"], "resources.limits.memory");
    }
  }
  return c;
}

const std::set<std::string>& PlaceholderKinds() {
  static const std::set<std::string> kinds = {"secret", "configMap", "projected", "downwardAPI"};
  return kinds;
}

// The file names a secret/configMap/downwardAPI/projected volume source gives; `known`
// turns false for a secret or configMap without items (its keys live in the cluster).
void PlaceholderKeys(const YAML::Node& src, const std::string& kind, std::set<std::string>& keys,
                     bool& known) {
  if (!src || !src.IsMap()) {
    known = false;
    return;
  }
  if (kind == "projected") {
    YAML::Node sources = src["sources"];
    if (!sources || !sources.IsSequence()) return;
    for (const auto& s : sources) {
      if (!s.IsMap()) Fail(s, "projected.sources entries must be mappings");
      for (const auto& kv : s) {
        std::string k = kv.first.as<std::string>();
        if (k == "serviceAccountToken") {
          keys.insert(kv.second["path"] ? Str(kv.second["path"], "serviceAccountToken.path")
                                        : "token");
        } else if (k == "secret" || k == "configMap" || k == "downwardAPI") {
          PlaceholderKeys(kv.second, k, keys, known);
        } else {
          known = false;
        }
      }
    }
    return;
  }
  YAML::Node items = src["items"];
  if (!items || !items.IsSequence() || items.size() == 0) {
    if (kind != "downwardAPI") known = false;
    return;
  }
  for (const auto& item : items) {
    if (!item.IsMap() || !item["path"]) Fail(item, kind + ".items entries need a path");
    std::string path = Str(item["path"], kind + ".items.path");
    if (path.empty() || path[0] == '/' || path.find("..") != std::string::npos) {
      Fail(item["path"], kind + ".items.path must be a relative path without '..'");
    }
    keys.insert(path);
  }
}

// Returns the pod spec node of a workload object, or an undefined node for other kinds.
YAML::Node PodSpecOf(const YAML::Node& doc, const std::string& kind) {
  if (kind == "Pod") return doc["spec"];
  YAML::Node spec = doc["spec"];
  if (!spec || !spec.IsMap()) Fail(doc, kind + " without spec");
  if (kind == "CronJob") {
    YAML::Node jt = spec["jobTemplate"];
    if (!jt || !jt["spec"] || !jt["spec"]["template"]) {
      Fail(spec, "CronJob needs spec.jobTemplate.spec.template");
    }
    return jt["spec"]["template"]["spec"];
  }
  YAML::Node tmpl = spec["template"];
  if (!tmpl || !tmpl.IsMap()) Fail(spec, kind + " needs spec.template (the pod template)");
  return tmpl["spec"];
}

PodTemplate ParsePod(const YAML::Node& doc, const std::string& kind, const std::string& source) {
  PodTemplate pod;
  pod.kind = kind;
  pod.source_location = Where(source, doc.Mark());
  YAML::Node meta = doc["metadata"];
  if (!meta || !meta["name"]) Fail(doc, kind + " without metadata.name");
  pod.name = Str(meta["name"], "metadata.name");
  if (auto ns = meta["namespace"]) pod.namespace_ = Str(ns, "metadata.namespace");
  YAML::Node spec = PodSpecOf(doc, kind);
  if (!spec || !spec.IsMap()) Fail(doc, kind + " has no pod spec");
  pod.security_context = ParseSecurityContext(spec["securityContext"], /*pod=*/true);
  if (auto n = spec["hostNetwork"]) pod.host_network = Bool(n, "hostNetwork");
  if (auto n = spec["hostPID"]) pod.host_pid = Bool(n, "hostPID");
  if (auto n = spec["hostIPC"]) pod.host_ipc = Bool(n, "hostIPC");
  if (auto n = spec["hostname"]) pod.hostname = Str(n, "hostname");
  if (auto vols = spec["volumes"]) {
    if (!vols.IsSequence()) Fail(vols, "volumes must be a list");
    for (const auto& v : vols) {
      if (!v.IsMap() || !v["name"]) Fail(v, "volumes entries need a name");
      Volume vol;
      vol.name = Str(v["name"], "volume name");
      if (auto ed = v["emptyDir"]) {
        vol.type = Volume::Type::kEmptyDir;
        if (ed.IsMap()) {
          if (auto m = ed["medium"]) vol.memory_medium = Str(m, "emptyDir.medium") == "Memory";
          if (auto s = ed["sizeLimit"]) vol.size_limit = Str(s, "emptyDir.sizeLimit");
        }
      } else if (auto hp = v["hostPath"]) {
        vol.type = Volume::Type::kHostPath;
        if (!hp.IsMap() || !hp["path"]) Fail(hp, "hostPath needs path");
        vol.host_path = Str(hp["path"], "hostPath.path");
        if (auto t = hp["type"]) vol.host_path_type = Str(t, "hostPath.type");
      } else {
        for (const auto& kv : v) {
          std::string k = kv.first.as<std::string>();
          if (k != "name") vol.other_kind = k;
        }
        if (PlaceholderKinds().count(vol.other_kind)) {
          vol.type = Volume::Type::kPlaceholder;
          std::set<std::string> keys;
          PlaceholderKeys(v[vol.other_kind], vol.other_kind, keys, vol.keys_known);
          vol.keys.assign(keys.begin(), keys.end());
        }
      }
      pod.volumes.push_back(std::move(vol));
    }
  }
  YAML::Node containers = spec["containers"];
  if (containers && !containers.IsNull() && !containers.IsSequence()) {
    Fail(containers, "spec.containers must be a list of containers");
  }
  if (!containers || !containers.IsSequence() || containers.size() == 0) {
    Fail(spec, kind + " " + pod.name + " has no containers");
  }
  for (const auto& c : containers) pod.containers.push_back(ParseContainer(c));
  if (auto ic = spec["initContainers"]) {
    if (!ic.IsSequence()) Fail(ic, "initContainers must be a list");
    for (const auto& c : ic) pod.init_containers.push_back(ParseContainer(c));
  }
  // Every mount must name a declared volume.
  std::set<std::string> names;
  for (const auto& v : pod.volumes) names.insert(v.name);
  size_t idx = 0;
  for (const auto& c : containers) {
    if (auto vms = c["volumeMounts"]) {
      for (const auto& m : vms) {
        std::string n = m["name"].Scalar();
        if (!names.count(n)) {
          Fail(m["name"], absl::StrCat("volume mount '", n, "' of container ",
                                       pod.containers[idx].name,
                                       " names no volume in spec.volumes; declare it"));
        }
      }
    }
    ++idx;
  }
  return pod;
}

const std::set<std::string>& WorkloadKinds() {
  static const std::set<std::string> kinds = {"Pod",       "Deployment", "StatefulSet",
                                              "DaemonSet", "ReplicaSet", "Job",
                                              "CronJob",   "ReplicationController"};
  return kinds;
}

}  // namespace

absl::StatusOr<std::vector<PodTemplate>> ParseWorkloads(std::string_view yaml,
                                                        std::string_view source_view) {
  const std::string source(source_view);
  std::vector<PodTemplate> out;
  absl::StatusOr<std::vector<YAML::Node>> docs = crd::LoadYamlDocuments(yaml, source, "manifest");
  if (!docs.ok()) return docs.status();
  try {
    for (const auto& doc : *docs) {
      if (!doc || doc.IsNull()) continue;
      if (!doc.IsMap()) Fail(doc, "a manifest document must be a mapping");
      std::string kind = doc["kind"] ? Str(doc["kind"], "kind") : "";
      if (kind == "List") {
        for (const auto& item : doc["items"]) {
          std::string k = item["kind"] ? Str(item["kind"], "kind") : "";
          if (WorkloadKinds().count(k)) out.push_back(ParsePod(item, k, source));
        }
        continue;
      }
      if (WorkloadKinds().count(kind)) out.push_back(ParsePod(doc, kind, source));
    }
  } catch (const FieldError& e) {
    return absl::InvalidArgumentError(absl::StrCat(Where(source, e.mark), ": ", e.message));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(Where(source, e.mark), ": invalid YAML: ",
                                                   e.msg, "; fix the syntax"));
  }
  return out;
}

absl::StatusOr<Selection> SelectContainer(const std::vector<PodTemplate>& workloads,
                                          std::string_view workload_view,
                                          std::string_view container_view,
                                          std::string_view source_view) {
  const std::string source(source_view), workload(workload_view), container(container_view);
  std::vector<std::string> names;
  for (const auto& w : workloads) names.push_back(w.name);
  const PodTemplate* pod = nullptr;
  if (workload.empty()) {
    if (workloads.size() != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": ", workloads.size(), " workloads (", absl::StrJoin(names, ", "),
          "); choose one with --workload NAME"));
    }
    pod = &workloads[0];
  } else {
    for (const auto& w : workloads) {
      if (w.name == workload) {
        if (pod) {
          return absl::InvalidArgumentError(absl::StrCat(
              source, ": more than one workload named ", workload, " (", pod->kind, " and ",
              w.kind, "); keep one per proposal"));
        }
        pod = &w;
      }
    }
    if (!pod) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": no workload named ", workload,
                                                     "; found: ", absl::StrJoin(names, ", ")));
    }
  }
  std::vector<std::string> cnames;
  for (const auto& c : pod->containers) cnames.push_back(c.name);
  for (const auto& c : pod->init_containers) cnames.push_back(c.name + " (init)");
  const Container* chosen = nullptr;
  bool init = false;
  if (container.empty()) {
    if (pod->containers.size() != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          pod->source_location, ": ", pod->kind, " ", pod->name, " has containers ",
          absl::StrJoin(cnames, ", "), "; choose one with --container NAME"));
    }
    chosen = &pod->containers[0];
  } else {
    for (const auto& c : pod->containers) {
      if (c.name == container) chosen = &c;
    }
    for (const auto& c : pod->init_containers) {
      if (c.name == container && !chosen) {
        chosen = &c;
        init = true;
      }
    }
    if (!chosen) {
      return absl::InvalidArgumentError(absl::StrCat(
          pod->source_location, ": ", pod->kind, " ", pod->name, " has no container ",
          container, "; it has: ", absl::StrJoin(cnames, ", ")));
    }
  }
  return Selection{*pod, *chosen, init};
}

}  // namespace minpriv::verifier
