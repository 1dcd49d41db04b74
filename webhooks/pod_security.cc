#include "webhooks/pod_security.h"

#include <algorithm>

#include "remediator/runtime_syscalls.h"
#include "remediator/workload.h"

namespace minpriv::webhooks {
namespace {

bool BoolAt(const json& j, std::string_view key, bool fallback) {
  const json* v = Member(j, key);
  return v != nullptr && v->is_boolean() ? v->get<bool>() : fallback;
}

std::optional<bool> OptBoolAt(const json& j, std::string_view key) {
  const json* v = Member(j, key);
  if (v == nullptr || !v->is_boolean()) return std::nullopt;
  return v->get<bool>();
}

std::string StringAt(const json& j, std::string_view key) {
  const json* v = Member(j, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

std::optional<int64_t> IntAt(const json& j, std::string_view key) {
  const json* v = Member(j, key);
  if (v == nullptr || !v->is_number_integer()) return std::nullopt;
  return v->get<int64_t>();
}

const json& EmptyObject() {
  static const json* const kEmpty = new json(json::object());
  return *kEmpty;
}

const json& ObjectAt(const json& j, std::string_view key) {
  const json* v = Member(j, key);
  return v != nullptr && v->is_object() ? *v : EmptyObject();
}

Seccomp ReadSeccomp(const json& security_context) {
  Seccomp s;
  const json& p = ObjectAt(security_context, "seccompProfile");
  s.type = StringAt(p, "type");
  if (s.type == "Localhost") s.localhost = StringAt(p, "localhostProfile");
  return s;
}

// Volume types the kubelet always mounts read-only.
bool AlwaysReadOnly(const json& volume) {
  for (const char* k : {"configMap", "secret", "downwardAPI", "projected"}) {
    if (Member(volume, k) != nullptr) return true;
  }
  return false;
}

ContainerSecurity ReadContainer(const json& c, bool init, const json& pod_sc,
                                const json& volumes) {
  ContainerSecurity out;
  out.name = StringAt(c, "name");
  out.init = init;
  const json& sc = ObjectAt(c, "securityContext");
  out.privileged = BoolAt(sc, "privileged", false);
  const json& caps = ObjectAt(sc, "capabilities");
  std::set<std::string> drop, add;
  if (const json* d = Member(caps, "drop"); d != nullptr && d->is_array()) {
    for (const json& x : *d) {
      if (x.is_string()) drop.insert(remediator::NormalizeCapability(x.get<std::string>()));
    }
  }
  if (const json* a = Member(caps, "add"); a != nullptr && a->is_array()) {
    for (const json& x : *a) {
      if (x.is_string()) add.insert(remediator::NormalizeCapability(x.get<std::string>()));
    }
  }
  out.drop_all = drop.count("ALL") > 0;
  if (!out.drop_all) {
    for (const auto& d : remediator::RuntimeDefaultCapabilities()) {
      if (drop.count(d) == 0) out.capabilities.insert(d);
    }
  }
  out.capabilities.insert(add.begin(), add.end());
  // The fields as set: privileged and CAP_SYS_ADMIN also imply escalation (and privileged a
  // writable root), but those are reported on their own, once.
  out.allow_privilege_escalation = BoolAt(sc, "allowPrivilegeEscalation", true);
  out.read_only_root = BoolAt(sc, "readOnlyRootFilesystem", false);
  out.seccomp = ReadSeccomp(sc);
  if (out.seccomp.type.empty()) {
    out.seccomp = ReadSeccomp(pod_sc);
    out.seccomp.from_pod = !out.seccomp.type.empty();
  }
  std::optional<bool> non_root = OptBoolAt(sc, "runAsNonRoot");
  if (!non_root) non_root = OptBoolAt(pod_sc, "runAsNonRoot");
  out.run_as_non_root = non_root.value_or(false);
  out.run_as_user = IntAt(sc, "runAsUser");
  if (!out.run_as_user) out.run_as_user = IntAt(pod_sc, "runAsUser");
  if (const json* mounts = Member(c, "volumeMounts"); mounts != nullptr && mounts->is_array()) {
    for (const json& m : *mounts) {
      if (BoolAt(m, "readOnly", false)) continue;
      std::string vol = StringAt(m, "name");
      bool read_only = false;
      if (volumes.is_array()) {
        for (const json& v : volumes) {
          if (StringAt(v, "name") == vol) read_only = AlwaysReadOnly(v);
        }
      }
      if (!read_only) out.writable_mounts.insert(StringAt(m, "mountPath"));
    }
  }
  if (const json* ports = Member(c, "ports"); ports != nullptr && ports->is_array()) {
    for (const json& p : *ports) {
      // With hostNetwork every containerPort is a host port: reported as hostNetwork.
      std::optional<int64_t> hp = IntAt(p, "hostPort");
      if (!hp || *hp == 0) continue;
      std::string proto = StringAt(p, "protocol");
      out.host_ports.insert(std::to_string(*hp) + "/" + (proto.empty() ? "TCP" : proto));
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> PodTemplatePointer(std::string_view kind) {
  if (kind == "Pod") return std::string();
  if (kind == "Deployment" || kind == "StatefulSet" || kind == "DaemonSet" ||
      kind == "ReplicaSet" || kind == "Job") {
    return std::string("/spec/template");
  }
  if (kind == "CronJob") return std::string("/spec/jobTemplate/spec/template");
  return std::nullopt;
}

const json* Member(const json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

const json* AtPointer(const json& j, std::string_view pointer) {
  const json* cur = &j;
  size_t pos = 0;
  while (pos < pointer.size()) {
    if (pointer[pos] != '/') return nullptr;
    size_t next = pointer.find('/', pos + 1);
    std::string_view token = pointer.substr(pos + 1, next == std::string_view::npos
                                                         ? std::string_view::npos
                                                         : next - pos - 1);
    cur = Member(*cur, token);  // template pointers never hold ~ escapes or array indices
    if (cur == nullptr) return nullptr;
    if (next == std::string_view::npos) break;
    pos = next;
  }
  return cur;
}

std::string Seccomp::Describe() const {
  std::string where = from_pod ? " (pod level)" : "";
  if (type.empty()) return "none (Unconfined)";
  if (type == "Localhost") return "Localhost " + localhost + where;
  return type + where;
}

const ContainerSecurity* PodSecurity::Find(std::string_view name) const {
  for (const auto& c : containers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

PodSecurity ReadPodSecurity(const json& pod_template) {
  PodSecurity out;
  const json& spec = ObjectAt(pod_template, "spec");
  out.host_network = BoolAt(spec, "hostNetwork", false);
  out.host_pid = BoolAt(spec, "hostPID", false);
  out.host_ipc = BoolAt(spec, "hostIPC", false);
  const json& pod_sc = ObjectAt(spec, "securityContext");
  static const json* const kNoVolumes = new json(json::array());
  const json* volumes = Member(spec, "volumes");
  if (volumes == nullptr || !volumes->is_array()) volumes = kNoVolumes;
  for (const json& v : *volumes) {
    const json& hp = ObjectAt(v, "hostPath");
    if (Member(v, "hostPath") != nullptr) out.host_paths.insert(StringAt(hp, "path"));
  }
  for (const char* list : {"initContainers", "containers"}) {
    const json* cs = Member(spec, list);
    if (cs == nullptr || !cs->is_array()) continue;
    for (const json& c : *cs) {
      out.containers.push_back(ReadContainer(c, list[0] == 'i', pod_sc, *volumes));
    }
  }
  if (const json* cs = Member(spec, "ephemeralContainers"); cs != nullptr && cs->is_array()) {
    for (const json& c : *cs) {
      out.ephemeral.push_back(ReadContainer(c, false, pod_sc, *volumes));
      out.ephemeral.back().target = StringAt(c, "targetContainerName");
    }
  }
  return out;
}

bool RunsAsNonRoot(const ContainerSecurity& c) {
  if (c.run_as_user) return *c.run_as_user != 0;
  return c.run_as_non_root;
}

}  // namespace minpriv::webhooks
