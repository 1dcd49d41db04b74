#include "gitops/sources/proposal_reader.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crd/yaml_input.h"
#include "gitops/sources/repo_index.h"
#include "util/files.h"
#include "util/json_parse.h"

namespace minpriv::gitops {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

std::string Str(const YAML::Node& map, const char* key) { return ScalarAt(map, key); }
YAML::Node Meta(const YAML::Node& o) { return Child(o, "metadata"); }

// Every object of the documents: a document, or each item of a `kind: List`.
std::vector<YAML::Node> Objects(const std::vector<YAML::Node>& docs) {
  std::vector<YAML::Node> out;
  for (const YAML::Node& d : docs) {
    if (!d.IsMap()) continue;
    if (Str(d, "kind") == "List" && Child(d, "items").IsSequence()) {
      for (const YAML::Node& item : d["items"]) out.push_back(item);
    } else {
      out.push_back(d);
    }
  }
  return out;
}

bool Matches(const YAML::Node& object, const WorkloadRef& ref) {
  return Str(object, "kind") == ref.kind && Str(Meta(object), "name") == ref.name &&
         Str(Meta(object), "namespace") == ref.namespace_;
}

// The documents of an optional YAML file of the proposal (absent: none).
absl::StatusOr<std::vector<YAML::Node>> OptionalYaml(const std::string& dir,
                                                     const std::string& name) {
  const std::string path = dir + "/" + name;
  if (!fs::exists(path)) return std::vector<YAML::Node>{};
  absl::StatusOr<std::string> text = util::ReadFile(path);
  if (!text.ok()) return text.status();
  absl::StatusOr<std::vector<YAML::Node>> docs = crd::LoadYamlDocuments(*text, path, "proposal file");
  if (!docs.ok()) return docs.status();
  std::vector<YAML::Node> out;
  for (const YAML::Node& d : *docs) {
    if (d.IsNull()) continue;
    if (!d.IsMap() || Str(d, "kind").empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": every document must be an object with a kind"));
    }
    out.push_back(d);
  }
  return out;
}

// Stems "x" of the seccomp profiles the ops reference as localhostProfile minpriv/x.json.
void ReferencedStems(const json& value, std::set<std::string>* stems) {
  if (value.is_object()) {
    auto it = value.find("localhostProfile");
    if (it != value.end() && it->is_string()) {
      std::string ref = it->get<std::string>();
      if (absl::StartsWith(ref, "minpriv/") && absl::EndsWith(ref, ".json")) {
        stems->insert(ref.substr(8, ref.size() - 13));
      }
    }
    for (const auto& [key, item] : value.items()) ReferencedStems(item, stems);
  } else if (value.is_array()) {
    for (const json& item : value) ReferencedStems(item, stems);
  }
}

absl::StatusOr<std::vector<ProposalWorkload>> ReadPatches(const std::string& dir) {
  const std::string path = dir + "/jsonpatch.json";
  absl::StatusOr<std::string> text = util::ReadFile(path);
  if (!text.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot read the proposal's patches: ", text.status().message()));
  }
  if (absl::StatusOr<nlohmann::json> checked = util::ParseJson(*text, path); !checked.ok()) {
    return checked.status();
  }
  json all = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  auto bad = [&](size_t i, const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat(
        util::JsonWhere(*text, path, nlohmann::json::json_pointer("/" + std::to_string(i))),
        ": ", why));
  };
  if (!all.is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": must be an array of {target, patch} entries"));
  }
  std::vector<ProposalWorkload> out;
  for (size_t i = 0; i < all.size(); ++i) {
    const json& entry = all[i];
    if (!entry.is_object() || !entry.contains("target") || !entry["target"].is_object() ||
        !entry.contains("patch") || !entry["patch"].is_array()) {
      return bad(i, "an entry needs an object \"target\" and an array \"patch\"");
    }
    const json& t = entry["target"];
    ProposalWorkload w;
    for (auto [field, key] : {std::pair{&w.ref.api_version, "apiVersion"},
                              std::pair{&w.ref.kind, "kind"}, std::pair{&w.ref.name, "name"},
                              std::pair{&w.ref.namespace_, "namespace"}}) {
      if (t.contains(key)) {
        if (!t[key].is_string()) return bad(i, absl::StrCat("target.", key, " must be a string"));
        *field = t[key].get<std::string>();
      }
    }
    if (w.ref.kind.empty() || w.ref.name.empty()) {
      return bad(i, "target needs a kind and a name");
    }
    for (size_t j = 0; j < entry["patch"].size(); ++j) {
      const json& op = entry["patch"][j];
      if (!op.is_object() || !op.contains("op") || !op["op"].is_string() ||
          !op.contains("path") || !op["path"].is_string()) {
        return bad(i, absl::StrCat("patch op ", j, " needs string members \"op\" and \"path\""));
      }
    }
    w.ops = entry["patch"];
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace

std::string Describe(const WorkloadRef& ref) {
  return absl::StrCat(ref.namespace_.empty() ? "-" : ref.namespace_, "/", ref.kind, "/",
                      ref.name);
}

absl::StatusOr<std::vector<ProposalWorkload>> ReadProposal(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::NotFoundError(absl::StrCat(dir, ": not a proposal directory"));
  }
  absl::StatusOr<std::vector<ProposalWorkload>> workloads = ReadPatches(dir);
  if (!workloads.ok()) return workloads.status();
  absl::StatusOr<std::vector<YAML::Node>> policies = OptionalYaml(dir, "networkpolicy.yaml");
  if (!policies.ok()) return policies.status();
  absl::StatusOr<std::vector<YAML::Node>> spo = OptionalYaml(dir, "seccompprofiles.yaml");
  if (!spo.ok()) return spo.status();
  absl::StatusOr<std::vector<YAML::Node>> narrowed = OptionalYaml(dir, "narrowed.yaml");
  if (!narrowed.ok()) return narrowed.status();
  const std::vector<YAML::Node> narrowed_objects = Objects(*narrowed);

  for (ProposalWorkload& w : *workloads) {
    for (const YAML::Node& p : *policies) {
      if (Str(p, "kind") == "NetworkPolicy" &&
          Str(Meta(p), "name") == w.ref.name + "-minpriv" &&
          Str(Meta(p), "namespace") == w.ref.namespace_) {
        w.network_policy = p;
      }
    }
    for (const YAML::Node& o : narrowed_objects) {
      if (Matches(o, w.ref)) w.source_annotation = Str(Child(Meta(o), "annotations"), kSourceAnnotation);
    }
    std::set<std::string> stems;
    ReferencedStems(w.ops, &stems);
    for (const std::string& stem : stems) {
      for (const std::string& name : {stem, stem + "-complain"}) {
        const std::string path = absl::StrCat(dir, "/seccomp/", name, ".json");
        if (!fs::exists(path)) continue;
        absl::StatusOr<std::string> text = util::ReadFile(path);
        if (!text.ok()) return text.status();
        if (absl::StatusOr<nlohmann::json> j = util::ParseJson(*text, path); !j.ok()) {
          return j.status();
        }
        w.seccomp_files[name + ".json"] = *text;
      }
      for (const YAML::Node& p : *spo) {
        if (Str(p, "kind") == "SeccompProfile" && Str(Meta(p), "name") == stem) {
          w.seccomp_profiles.push_back(p);
        }
      }
    }
  }
  std::sort(workloads->begin(), workloads->end(), [](const auto& a, const auto& b) {
    return std::tie(a.ref.namespace_, a.ref.kind, a.ref.name) <
           std::tie(b.ref.namespace_, b.ref.kind, b.ref.name);
  });
  return workloads;
}

}  // namespace minpriv::gitops
