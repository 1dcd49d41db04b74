// YAML codec for WorkloadProfile: the parser (yaml-cpp adapter: its exceptions stop here);
// the emitter is crd/profile_emit.cc.
//
// Emission rule (deterministic): every key the schema lists is always written, empty
// lists as `[]`; optional extras (metadata.namespace, summarized/examples on file writes,
// denied on capability evidence, address on listen ports, firstSeen when unknown) are
// omitted when empty/false, and so are the cluster fields metadata.labels and spec.target.
// Strings a YAML reader could take for another type (numbers, booleans, null, timestamps,
// empty) are double-quoted.
//
// Parsing is strict: unknown keys, duplicate keys, wrong types, unknown syscalls or
// capabilities, relative paths, bad ports/addresses/times are errors of the form
// "SOURCE:LINE:COLUMN: what; how to fix" (1-based line and column).
#include "crd/profile_codec.h"

#include "crd/yaml_input.h"

#include <arpa/inet.h>

#include <cctype>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "crd/capabilities.h"
#include "crd/strict_yaml_reader.h"
#include "util/files.h"
#include "util/syscalls.h"

namespace minpriv::crd {
namespace {

constexpr const char* kFileOps[] = {"chmod",  "chown",   "create",  "link",
                                    "mkdir",  "mknod",   "rename",  "replace", "rmdir",
                                    "symlink", "truncate", "unlink", "utime",
                                    "write",   "xattr"};

}  // namespace


namespace {

// ---------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------

class Parser : public StrictYamlReader {
 public:
  explicit Parser(std::string_view source) : StrictYamlReader(source) {}

  WorkloadProfile Document(const YAML::Node& root) {
    WorkloadProfile p;
    if (!root.IsMap()) {
      Fail(root, absl::StrCat("the document must be a WorkloadProfile mapping, found ", Kind(root)),
           "start with `apiVersion: minpriv.dev/v1alpha1` and `kind: WorkloadProfile`");
    }
    auto fields = Map(root, "the WorkloadProfile", {"apiVersion", "kind", "metadata", "spec", "status"});
    bool have_api = false, have_kind = false, have_meta = false, have_spec = false;
    for (auto& [k, v] : fields) {
      if (k == "apiVersion") {
        have_api = true;
        if (String(v, "apiVersion") != kApiVersion) {
          Fail(v, absl::StrCat("unsupported apiVersion '", v.Scalar(), "'"),
               absl::StrCat("write apiVersion: ", kApiVersion));
        }
      } else if (k == "kind") {
        have_kind = true;
        if (String(v, "kind") != kWorkloadProfileKind) {
          Fail(v, absl::StrCat("unsupported kind '", v.Scalar(), "'"),
               "write kind: WorkloadProfile");
        }
      } else if (k == "metadata") {
        have_meta = true;
        for (auto& [mk, mv] : Map(v, "metadata", {"name", "namespace", "labels"})) {
          if (mk == "name") p.name = NonEmptyString(mv, "metadata.name");
          if (mk == "namespace") p.namespace_ = String(mv, "metadata.namespace");
          if (mk == "labels") p.labels = Labels(mv);
        }
        if (p.name.empty()) Fail(v, "metadata.name is missing", "add `name: NAME` under metadata");
      } else if (k == "spec") {
        have_spec = true;
        for (auto& [sk, sv] : Map(v, "spec", {"target", "containers"})) {
          if (sk == "target") p.target = TargetOf(sv);
          if (sk == "containers") {
            for (const YAML::Node& c : List(sv, "spec.containers")) p.containers.push_back(Container(c));
          }
        }
      } else if (k == "status") {
        p.status = Status(v);
      }
    }
    if (!have_api) Fail(root, "apiVersion is missing", absl::StrCat("add apiVersion: ", kApiVersion));
    if (!have_kind) Fail(root, "kind is missing", "add kind: WorkloadProfile");
    if (!have_meta) Fail(root, "metadata is missing", "add metadata: {name: NAME}");
    if (!have_spec) Fail(root, "spec is missing", "add spec: {containers: [...]}");
    return p;
  }

  std::map<std::string, std::string> Labels(const YAML::Node& n) const {
    std::map<std::string, std::string> labels;
    if (n.IsNull()) return labels;
    if (!n.IsMap()) {
      Fail(n, absl::StrCat("metadata.labels must be a mapping, found ", Kind(n)),
           "write it as `key: value` lines");
    }
    for (auto it = n.begin(); it != n.end(); ++it) {
      std::string key = NonEmptyString(it->first, "label key");
      if (!labels.emplace(key, String(it->second, absl::StrCat("label '", key, "'"))).second) {
        Fail(it->first, absl::StrCat("duplicate label '", key, "'"), "keep only one");
      }
    }
    return labels;
  }

  Target TargetOf(const YAML::Node& n) const {
    Target t;
    for (auto& [tk, tv] : Map(n, "spec.target", {"apiVersion", "kind", "name"})) {
      if (tk == "apiVersion") t.api_version = NonEmptyString(tv, "spec.target.apiVersion");
      if (tk == "kind") t.kind = NonEmptyString(tv, "spec.target.kind");
      if (tk == "name") t.name = NonEmptyString(tv, "spec.target.name");
    }
    if (t.api_version.empty() || t.kind.empty() || t.name.empty()) {
      Fail(n, "spec.target needs apiVersion, kind and name",
           "write {apiVersion: apps/v1, kind: Deployment, name: NAME}");
    }
    return t;
  }

  ContainerProfile Container(const YAML::Node& n) {
    ContainerProfile c;
    const std::string w = "spec.containers[]";
    auto fields = Map(n, w, {"name", "syscalls", "capabilities", "capabilityEvidence",
                             "fileWrites", "execs", "users", "network", "reachable",
                             "fileSystemUse"});
    for (auto& [k, v] : fields) {
      if (k == "name") {
        c.name = NonEmptyString(v, "container name");
      } else if (k == "syscalls") {
        for (const YAML::Node& s : List(v, "syscalls")) {
          std::string name = NonEmptyString(s, "syscall");
          if (!util::SyscallNumber(name).has_value()) {
            Fail(s, absl::StrCat("unknown syscall '", name, "'"),
                 "use an x86_64 Linux syscall name such as openat or accept4");
          }
          c.syscalls.push_back(name);
        }
      } else if (k == "capabilities") {
        for (const YAML::Node& s : List(v, "capabilities")) c.capabilities.push_back(Capability(s, "capability"));
      } else if (k == "capabilityEvidence") {
        for (const YAML::Node& e : List(v, "capabilityEvidence")) {
          CapabilityUse u;
          bool have_cap = false;
          for (auto& [ek, ev] : Map(e, "capabilityEvidence[]",
                                    {"capability", "callSite", "binary", "count", "firstSeen", "denied"})) {
            if (ek == "capability") { u.capability = Capability(ev, "capability"); have_cap = true; }
            if (ek == "callSite") u.call_site = String(ev, "callSite");
            if (ek == "binary") u.binary = String(ev, "binary");
            if (ek == "count") u.count = Unsigned(ev, "count", UINT64_MAX);
            if (ek == "firstSeen") u.first_seen = Time(ev, "firstSeen");
            if (ek == "denied") u.denied = Bool(ev, "denied");
          }
          if (!have_cap) Fail(e, "capabilityEvidence entry without capability", "add `capability: NAME`");
          c.capability_evidence.push_back(std::move(u));
        }
      } else if (k == "fileWrites") {
        for (const YAML::Node& e : List(v, "fileWrites")) {
          FileWrite f;
          for (auto& [fk, fv] : Map(e, "fileWrites[]",
                                    {"path", "ops", "count", "firstSeen", "summarized", "examples"})) {
            if (fk == "path") f.path = AbsolutePath(fv, "fileWrites path");
            if (fk == "ops") {
              for (const YAML::Node& o : List(fv, "ops")) {
                std::string op = NonEmptyString(o, "op");
                bool known = false;
                for (const char* k2 : kFileOps) known = known || op == k2;
                if (!known) {
                  Fail(o, absl::StrCat("unknown file operation '", op, "'"),
                       absl::StrCat("use one of: ", absl::StrJoin(kFileOps, ", ")));
                }
                f.ops.push_back(op);
              }
            }
            if (fk == "count") f.count = Unsigned(fv, "count", UINT64_MAX);
            if (fk == "firstSeen") f.first_seen = Time(fv, "firstSeen");
            if (fk == "summarized") f.summarized = Bool(fv, "summarized");
            if (fk == "examples") {
              for (const YAML::Node& x : List(fv, "examples")) f.examples.push_back(AbsolutePath(x, "example"));
            }
          }
          if (f.path.empty()) Fail(e, "fileWrites entry without path", "add `path: /abs/path`");
          c.file_writes.push_back(std::move(f));
        }
      } else if (k == "execs") {
        for (const YAML::Node& e : List(v, "execs")) {
          Exec x;
          for (auto& [xk, xv] : Map(e, "execs[]", {"path", "privilegeGain", "count", "firstSeen"})) {
            if (xk == "path") x.path = AbsolutePath(xv, "exec path");
            if (xk == "privilegeGain") x.privilege_gain = Bool(xv, "privilegeGain");
            if (xk == "count") x.count = Unsigned(xv, "count", UINT64_MAX);
            if (xk == "firstSeen") x.first_seen = Time(xv, "firstSeen");
          }
          if (x.path.empty()) Fail(e, "execs entry without path", "add `path: /abs/path`");
          c.execs.push_back(std::move(x));
        }
      } else if (k == "users") {
        for (const YAML::Node& e : List(v, "users")) {
          User u;
          bool have_uid = false, have_gid = false;
          for (auto& [uk, uv] : Map(e, "users[]", {"uid", "gid"})) {
            if (uk == "uid") { u.uid = static_cast<uint32_t>(Unsigned(uv, "uid", UINT32_MAX)); have_uid = true; }
            if (uk == "gid") { u.gid = static_cast<uint32_t>(Unsigned(uv, "gid", UINT32_MAX)); have_gid = true; }
          }
          if (!have_uid || !have_gid) Fail(e, "users entry needs both uid and gid", "write {uid: N, gid: N}");
          c.users.push_back(u);
        }
      } else if (k == "network") {
        c.network = Network(v);
      } else if (k == "reachable") {
        c.reachable = Reachable(v);
      } else if (k == "fileSystemUse") {
        c.file_system_use = FileSystemUseOf(v);
      }
    }
    if (c.name.empty()) Fail(n, "container without name", "add `name: NAME`");
    return c;
  }

  Reachability Reachable(const YAML::Node& n) {
    Reachability r;
    for (auto& [rk, rv] : Map(n, "reachable", {"syscalls", "staticBinaries", "unmappedImports"})) {
      if (rk == "syscalls") {
        for (const YAML::Node& e : List(rv, "reachable.syscalls")) {
          ReachableSyscall sc;
          for (auto& [sk, sv] : Map(e, "reachable.syscalls[]", {"name", "evidence"})) {
            if (sk == "name") sc.name = NonEmptyString(sv, "syscall");
            if (sk == "evidence") sc.evidence = StringList(sv, "evidence");
          }
          if (!util::SyscallNumber(sc.name).has_value()) {
            Fail(e, absl::StrCat("unknown reachable syscall '", sc.name, "'"),
                 "use an x86_64 Linux syscall name such as sendfile");
          }
          r.syscalls.push_back(std::move(sc));
        }
      }
      if (rk == "staticBinaries") {
        for (const YAML::Node& x : List(rv, "staticBinaries")) {
          r.static_binaries.push_back(AbsolutePath(x, "static binary"));
        }
      }
      if (rk == "unmappedImports") r.unmapped_imports = Unsigned(rv, "unmappedImports", UINT64_MAX);
    }
    return r;
  }

  std::vector<std::string> Paths(const YAML::Node& n, const std::string& what) const {
    std::vector<std::string> out;
    for (const YAML::Node& x : List(n, what)) out.push_back(AbsolutePath(x, what));
    return out;
  }

  FileSystemUse FileSystemUseOf(const YAML::Node& n) {
    FileSystemUse u;
    for (auto& [k, v] : Map(n, "fileSystemUse", {"mapped", "workingDirs", "openFiles", "shipped"})) {
      if (k == "mapped") u.mapped = Paths(v, "mapped");
      if (k == "workingDirs") u.working_dirs = Paths(v, "workingDirs");
      if (k == "openFiles") u.open_files = Paths(v, "openFiles");
      if (k != "shipped") continue;
      for (const YAML::Node& e : List(v, "shipped")) {
        ShippedDir d;
        for (auto& [dk, dv] : Map(e, "shipped[]", {"path", "entries", "total"})) {
          if (dk == "path") d.path = AbsolutePath(dv, "shipped path");
          if (dk == "entries") d.entries = StringList(dv, "entries");
          if (dk == "total") d.total = Unsigned(dv, "total", UINT64_MAX);
        }
        if (d.path.empty()) Fail(e, "shipped entry without path", "add `path: /abs/dir`");
        u.shipped.push_back(std::move(d));
      }
    }
    return u;
  }

  std::vector<Peer> Peers(const YAML::Node& n, const std::string& what) {
    std::vector<Peer> out;
    for (const YAML::Node& e : List(n, what)) {
      Peer p;
      for (auto& [pk, pv] : Map(e, what + "[]", {"ip", "port", "protocol", "count", "firstSeen"})) {
        if (pk == "ip") p.ip = Ip(pv, "ip");
        if (pk == "port") p.port = Port(pv, "port");
        if (pk == "protocol") p.protocol = Protocol(pv, "protocol");
        if (pk == "count") p.count = Unsigned(pv, "count", UINT64_MAX);
        if (pk == "firstSeen") p.first_seen = Time(pv, "firstSeen");
      }
      if (p.ip.empty() || p.port == 0 || p.protocol.empty()) {
        Fail(e, absl::StrCat(what, " entry needs ip, port and protocol"),
             "write {ip: A.B.C.D, port: N, protocol: TCP}");
      }
      out.push_back(std::move(p));
    }
    return out;
  }

  NetworkProfile Network(const YAML::Node& n) {
    NetworkProfile net;
    for (auto& [k, v] : Map(n, "network", {"listen", "ingress", "egress", "dns"})) {
      if (k == "listen") {
        for (const YAML::Node& e : List(v, "listen")) {
          ListenPort l;
          for (auto& [lk, lv] : Map(e, "listen[]", {"port", "protocol", "address"})) {
            if (lk == "port") l.port = Port(lv, "port");
            if (lk == "protocol") l.protocol = Protocol(lv, "protocol");
            if (lk == "address") l.address = Ip(lv, "address");
          }
          if (l.port == 0 || l.protocol.empty()) {
            Fail(e, "listen entry needs port and protocol", "write {port: N, protocol: TCP}");
          }
          net.listen.push_back(std::move(l));
        }
      } else if (k == "ingress") {
        net.ingress = Peers(v, "ingress");
      } else if (k == "egress") {
        net.egress = Peers(v, "egress");
      } else if (k == "dns") {
        for (const YAML::Node& d : List(v, "dns")) {
          std::string name = NonEmptyString(d, "dns name");
          if (name != absl::AsciiStrToLower(name) || name.back() == '.') {
            Fail(d, absl::StrCat("dns name '", name, "' is not in canonical form"),
                 "write it in lower case without a trailing dot");
          }
          net.dns.push_back(name);
        }
      }
    }
    return net;
  }

  ProfileStatus Status(const YAML::Node& n) {
    ProfileStatus s;
    for (auto& [k, v] : Map(n, "status", {"window", "complete", "incompleteReasons",
                                          "droppedEvents", "warnings"})) {
      if (k == "window") {
        for (auto& [wk, wv] : Map(v, "status.window", {"start", "end"})) {
          if (wk == "start") s.window.start = Time(wv, "window.start");
          if (wk == "end") s.window.end = Time(wv, "window.end");
        }
      } else if (k == "complete") {
        s.complete = Bool(v, "complete");
      } else if (k == "incompleteReasons") {
        s.incomplete_reasons = StringList(v, "incompleteReasons");
      } else if (k == "droppedEvents") {
        s.dropped_events = Unsigned(v, "droppedEvents", UINT64_MAX);
      } else if (k == "warnings") {
        s.warnings = StringList(v, "warnings");
      }
    }
    return s;
  }

};

}  // namespace

absl::StatusOr<WorkloadProfile> ParseWorkloadProfile(std::string_view yaml,
                                                     std::string_view source) {
  Parser parser(source);
  const std::string src(source);
  try {
    absl::StatusOr<std::vector<YAML::Node>> loaded = LoadYamlDocuments(yaml, source, "profile");
    if (!loaded.ok()) return loaded.status();
    std::vector<YAML::Node>& docs = *loaded;
    if (docs.empty()) {
      parser.Fail(YAML::Mark(), "the input is empty", "write a WorkloadProfile document");
    }
    if (docs.size() > 1) {
      parser.Fail(docs[1].Mark(), "more than one YAML document",
                  "keep one WorkloadProfile per file");
    }
    WorkloadProfile profile = parser.Document(docs[0]);
    Canonicalize(profile);
    return profile;
  } catch (const ParseError& e) {
    return absl::InvalidArgumentError(e.message);
  } catch (const YAML::Exception& e) {
    int line = e.mark.is_null() ? 1 : e.mark.line + 1;
    int column = e.mark.is_null() ? 1 : e.mark.column + 1;
    return absl::InvalidArgumentError(absl::StrCat(src, ":", line, ":", column,
                                                   ": malformed YAML: ", e.msg,
                                                   "; fix the YAML syntax at this position"));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(src, ":1:1: cannot read the profile: ", e.what(),
                     "; check the file is a WorkloadProfile YAML document"));
  }
}

const std::vector<std::string>& FileOperationNames() {
  static const std::vector<std::string> kNames(std::begin(kFileOps), std::end(kFileOps));
  return kNames;
}

absl::StatusOr<WorkloadProfile> ReadWorkloadProfileFile(const std::string& path) {
  absl::StatusOr<std::string> text = util::ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseWorkloadProfile(*text, path);
}

}  // namespace minpriv::crd
