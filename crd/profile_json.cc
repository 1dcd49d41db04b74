// The encoder mirrors EmitWorkloadProfile key by key; the decoder reuses the YAML codec's
// strict parser (JSON is YAML's flow syntax: strings arrive quoted, numbers and booleans
// plain, exactly the distinction the parser checks), so the rules exist once.
#include "crd/profile_json.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "crd/json_decode.h"
#include "crd/profile_codec.h"

namespace minpriv::crd {
namespace {

using Json = nlohmann::json;

Json Peers(const std::vector<Peer>& peers) {
  Json out = Json::array();
  for (const Peer& p : peers) {
    Json e = {{"ip", p.ip}, {"port", p.port}, {"protocol", p.protocol}, {"count", p.count}};
    if (!p.first_seen.empty()) e["firstSeen"] = p.first_seen;
    out.push_back(std::move(e));
  }
  return out;
}

Json Container(const ContainerProfile& c) {
  Json j = {{"name", c.name}, {"syscalls", c.syscalls}, {"capabilities", c.capabilities}};
  j["capabilityEvidence"] = Json::array();
  for (const CapabilityUse& u : c.capability_evidence) {
    Json e = {{"capability", u.capability}, {"callSite", u.call_site}, {"binary", u.binary},
              {"count", u.count}};
    if (!u.first_seen.empty()) e["firstSeen"] = u.first_seen;
    if (u.denied) e["denied"] = true;
    j["capabilityEvidence"].push_back(std::move(e));
  }
  j["fileWrites"] = Json::array();
  for (const FileWrite& f : c.file_writes) {
    Json e = {{"path", f.path}, {"ops", f.ops}, {"count", f.count}};
    if (!f.first_seen.empty()) e["firstSeen"] = f.first_seen;
    if (f.summarized) e["summarized"] = true;
    if (!f.examples.empty()) e["examples"] = f.examples;
    j["fileWrites"].push_back(std::move(e));
  }
  j["execs"] = Json::array();
  for (const Exec& x : c.execs) {
    Json e = {{"path", x.path}, {"privilegeGain", x.privilege_gain}, {"count", x.count}};
    if (!x.first_seen.empty()) e["firstSeen"] = x.first_seen;
    j["execs"].push_back(std::move(e));
  }
  j["users"] = Json::array();
  for (const User& u : c.users) j["users"].push_back({{"uid", u.uid}, {"gid", u.gid}});
  Json listen = Json::array();
  for (const ListenPort& l : c.network.listen) {
    Json e = {{"port", l.port}, {"protocol", l.protocol}};
    if (!l.address.empty()) e["address"] = l.address;
    listen.push_back(std::move(e));
  }
  j["network"] = {{"listen", std::move(listen)},
                  {"ingress", Peers(c.network.ingress)},
                  {"egress", Peers(c.network.egress)},
                  {"dns", c.network.dns}};
  if (c.file_system_use.has_value()) {
    const FileSystemUse& u = *c.file_system_use;
    Json shipped = Json::array();
    for (const ShippedDir& d : u.shipped) {
      shipped.push_back({{"path", d.path}, {"entries", d.entries}, {"total", d.total}});
    }
    j["fileSystemUse"] = {{"mapped", u.mapped},
                          {"workingDirs", u.working_dirs},
                          {"openFiles", u.open_files},
                          {"shipped", std::move(shipped)}};
  }
  return j;
}

}  // namespace

Json WorkloadProfileToJson(const WorkloadProfile& input) {
  WorkloadProfile p = input;
  Canonicalize(p);
  Json meta = {{"name", p.name}};
  if (!p.namespace_.empty()) meta["namespace"] = p.namespace_;
  if (!p.labels.empty()) meta["labels"] = p.labels;
  Json spec = Json::object();
  if (!p.target.empty()) spec["target"] = TargetToJson(p.target);
  spec["containers"] = Json::array();
  for (const ContainerProfile& c : p.containers) spec["containers"].push_back(Container(c));
  Json status = {{"window", {{"start", p.status.window.start}, {"end", p.status.window.end}}},
                 {"complete", p.status.complete},
                 {"incompleteReasons", p.status.incomplete_reasons},
                 {"droppedEvents", p.status.dropped_events},
                 {"warnings", p.status.warnings}};
  return {{"apiVersion", kApiVersion},
          {"kind", kWorkloadProfileKind},
          {"metadata", std::move(meta)},
          {"spec", std::move(spec)},
          {"status", std::move(status)}};
}

absl::StatusOr<WorkloadProfile> WorkloadProfileFromJson(const Json& j, ObjectMeta* meta) {
  if (!j.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("a WorkloadProfile must be a JSON object, found ", json_decode::TypeName(j)));
  }
  // metadata: lenient (server fields), reduced to what the file form holds.
  Json reduced = j;
  auto it = j.find("metadata");
  if (it != j.end()) {
    absl::StatusOr<ObjectMeta> m = ObjectMetaFromJson(*it);
    if (!m.ok()) return m.status();
    Json small = {{"name", m->name}};
    if (!m->namespace_.empty()) small["namespace"] = m->namespace_;
    if (!m->labels.empty()) small["labels"] = m->labels;
    reduced["metadata"] = std::move(small);
    if (meta != nullptr) *meta = *std::move(m);
  }
  // Kubernetes may send `"status": null` or omit it; the YAML form treats both as defaults.
  if (reduced.contains("status") && reduced["status"].is_null()) reduced.erase("status");
  return ParseWorkloadProfile(reduced.dump(2, ' ', false, Json::error_handler_t::replace),
                              "WorkloadProfile JSON");
}

absl::StatusOr<WorkloadProfile> ParseWorkloadProfileJson(std::string_view text, ObjectMeta* meta) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return absl::InvalidArgumentError("WorkloadProfile JSON: malformed JSON");
  }
  return WorkloadProfileFromJson(j, meta);
}

}  // namespace minpriv::crd
