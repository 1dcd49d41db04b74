// The WorkloadProfile YAML emitter (canonical, deterministic; the rules are in
// crd/profile_codec.cc's header comment) and the quoting rule it shares with yaml_json.
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "absl/strings/ascii.h"
#include "crd/profile_codec.h"

namespace minpriv::crd {

bool LooksLikeNonString(const std::string& s) {
  if (s.empty()) return true;
  std::string lower = absl::AsciiStrToLower(s);
  static const std::set<std::string> kWords = {"true", "false", "yes", "no", "on", "off",
                                               "y",    "n",     "null", "~", ".nan",
                                               ".inf", "-.inf", "+.inf"};
  if (kWords.count(lower)) return true;
  char c = s[0];
  if (std::isdigit(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.') {
    // Numbers, version-like and date-like strings: quote anything starting like a number
    // that is made only of number/date characters.
    bool numeric_chars = true;
    for (char ch : s) {
      if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' ||
            ch == '+' || ch == ':' || ch == '_')) {
        numeric_chars = false;
        break;
      }
    }
    if (numeric_chars) return true;
  }
  return false;
}

namespace {


// ---------------------------------------------------------------------------------------
// Emitter
// ---------------------------------------------------------------------------------------

void EmitString(YAML::Emitter& out, const std::string& s) {
  if (LooksLikeNonString(s)) {
    out << YAML::DoubleQuoted << s;
  } else {
    out << s;
  }
}

void EmitStringList(YAML::Emitter& out, const std::vector<std::string>& v) {
  out << YAML::Flow << YAML::BeginSeq;
  for (const std::string& s : v) EmitString(out, s);
  out << YAML::EndSeq;
}

void KeyString(YAML::Emitter& out, const char* key, const std::string& value) {
  out << YAML::Key << key << YAML::Value;
  EmitString(out, value);
}

template <typename T>
void KeyNumber(YAML::Emitter& out, const char* key, T value) {
  out << YAML::Key << key << YAML::Value << value;
}

void KeyBool(YAML::Emitter& out, const char* key, bool value) {
  out << YAML::Key << key << YAML::Value << YAML::TrueFalseBool << value;
}

void KeyStringList(YAML::Emitter& out, const char* key, const std::vector<std::string>& v) {
  out << YAML::Key << key << YAML::Value;
  EmitStringList(out, v);
}

// A list of maps: block style, or `[]` when empty.
template <typename T, typename F>
void KeyObjectList(YAML::Emitter& out, const char* key, const std::vector<T>& v, F emit) {
  out << YAML::Key << key << YAML::Value;
  if (v.empty()) {
    out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
    return;
  }
  out << YAML::BeginSeq;
  for (const T& item : v) {
    out << YAML::BeginMap;
    emit(item);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

void EmitPeers(YAML::Emitter& out, const char* key, const std::vector<Peer>& peers) {
  KeyObjectList(out, key, peers, [&](const Peer& p) {
    KeyString(out, "ip", p.ip);
    KeyNumber(out, "port", p.port);
    KeyString(out, "protocol", p.protocol);
    KeyNumber(out, "count", p.count);
    if (!p.first_seen.empty()) KeyString(out, "firstSeen", p.first_seen);
  });
}

void EmitContainer(YAML::Emitter& out, const ContainerProfile& c) {
  KeyString(out, "name", c.name);
  KeyStringList(out, "syscalls", c.syscalls);
  KeyStringList(out, "capabilities", c.capabilities);
  KeyObjectList(out, "capabilityEvidence", c.capability_evidence, [&](const CapabilityUse& u) {
    KeyString(out, "capability", u.capability);
    KeyString(out, "callSite", u.call_site);
    KeyString(out, "binary", u.binary);
    KeyNumber(out, "count", u.count);
    if (!u.first_seen.empty()) KeyString(out, "firstSeen", u.first_seen);
    if (u.denied) KeyBool(out, "denied", true);
  });
  KeyObjectList(out, "fileWrites", c.file_writes, [&](const FileWrite& f) {
    KeyString(out, "path", f.path);
    KeyStringList(out, "ops", f.ops);
    KeyNumber(out, "count", f.count);
    if (!f.first_seen.empty()) KeyString(out, "firstSeen", f.first_seen);
    if (f.summarized) KeyBool(out, "summarized", true);
    if (!f.examples.empty()) KeyStringList(out, "examples", f.examples);
  });
  KeyObjectList(out, "execs", c.execs, [&](const Exec& e) {
    KeyString(out, "path", e.path);
    KeyBool(out, "privilegeGain", e.privilege_gain);
    KeyNumber(out, "count", e.count);
    if (!e.first_seen.empty()) KeyString(out, "firstSeen", e.first_seen);
  });
  KeyObjectList(out, "users", c.users, [&](const User& u) {
    KeyNumber(out, "uid", u.uid);
    KeyNumber(out, "gid", u.gid);
  });
  out << YAML::Key << "network" << YAML::Value << YAML::BeginMap;
  KeyObjectList(out, "listen", c.network.listen, [&](const ListenPort& l) {
    KeyNumber(out, "port", l.port);
    KeyString(out, "protocol", l.protocol);
    if (!l.address.empty()) KeyString(out, "address", l.address);
  });
  EmitPeers(out, "ingress", c.network.ingress);
  EmitPeers(out, "egress", c.network.egress);
  KeyStringList(out, "dns", c.network.dns);
  out << YAML::EndMap;
  if (c.reachable.has_value()) {
    out << YAML::Key << "reachable" << YAML::Value << YAML::BeginMap;
    KeyObjectList(out, "syscalls", c.reachable->syscalls, [&](const ReachableSyscall& r) {
      KeyString(out, "name", r.name);
      KeyStringList(out, "evidence", r.evidence);
    });
    KeyStringList(out, "staticBinaries", c.reachable->static_binaries);
    KeyNumber(out, "unmappedImports", c.reachable->unmapped_imports);
    out << YAML::EndMap;
  }
  if (c.file_system_use.has_value()) {
    const FileSystemUse& u = *c.file_system_use;
    out << YAML::Key << "fileSystemUse" << YAML::Value << YAML::BeginMap;
    KeyStringList(out, "mapped", u.mapped);
    KeyStringList(out, "workingDirs", u.working_dirs);
    KeyStringList(out, "openFiles", u.open_files);
    KeyObjectList(out, "shipped", u.shipped, [&](const ShippedDir& d) {
      KeyString(out, "path", d.path);
      KeyStringList(out, "entries", d.entries);
      KeyNumber(out, "total", d.total);
    });
    out << YAML::EndMap;
  }
}

}  // namespace

std::string EmitWorkloadProfile(const WorkloadProfile& input) {
  WorkloadProfile p = input;
  Canonicalize(p);
  YAML::Emitter out;
  out.SetIndent(2);
  out << YAML::BeginMap;
  KeyString(out, "apiVersion", kApiVersion);
  KeyString(out, "kind", kWorkloadProfileKind);
  out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
  KeyString(out, "name", p.name);
  if (!p.namespace_.empty()) KeyString(out, "namespace", p.namespace_);
  if (!p.labels.empty()) {
    out << YAML::Key << "labels" << YAML::Value << YAML::BeginMap;
    for (const auto& [key, value] : p.labels) KeyString(out, key.c_str(), value);
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  out << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
  if (!p.target.empty()) {
    out << YAML::Key << "target" << YAML::Value << YAML::BeginMap;
    KeyString(out, "apiVersion", p.target.api_version);
    KeyString(out, "kind", p.target.kind);
    KeyString(out, "name", p.target.name);
    out << YAML::EndMap;
  }
  KeyObjectList(out, "containers", p.containers,
                [&](const ContainerProfile& c) { EmitContainer(out, c); });
  out << YAML::EndMap;
  out << YAML::Key << "status" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "window" << YAML::Value << YAML::BeginMap;
  KeyString(out, "start", p.status.window.start);
  KeyString(out, "end", p.status.window.end);
  out << YAML::EndMap;
  KeyBool(out, "complete", p.status.complete);
  KeyStringList(out, "incompleteReasons", p.status.incomplete_reasons);
  KeyNumber(out, "droppedEvents", p.status.dropped_events);
  KeyStringList(out, "warnings", p.status.warnings);
  out << YAML::EndMap;
  out << YAML::EndMap;
  std::string text = out.c_str();
  text += "\n";
  return text;
}

}  // namespace minpriv::crd
