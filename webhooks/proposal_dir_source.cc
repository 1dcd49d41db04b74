#include "webhooks/proposal_dir_source.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crd/profile_codec.h"
#include "remediator/workload.h"
#include "remediator/yaml_io.h"
#include "util/json_format.h"
#include "util/files.h"

namespace minpriv::webhooks {
namespace {

namespace fs = std::filesystem;
using Key = std::tuple<std::string, std::string, std::string>;  // namespace, kind, name

bool IsProposalDir(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "narrowed.yaml", ec) &&
         fs::is_regular_file(dir / "summary.json", ec);
}

absl::StatusOr<std::set<Key>> ReadSummary(const fs::path& path) {
  absl::StatusOr<std::string> text = util::ReadFile(path.string());
  if (!text.ok()) return text.status();
  json summary = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  const json* containers = Member(summary, "containers");
  if (containers == nullptr || !containers->is_array()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path.string(), ": not a ProposalSummary (no containers list); regenerate it with "
                       "minpriv propose"));
  }
  std::set<Key> out;
  for (const json& c : *containers) {
    auto str = [&](const char* k) {
      const json* v = Member(c, k);
      return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
    };
    out.insert({str("namespace"), str("kind"), str("workload")});
  }
  return out;
}

std::map<std::string, ContainerEvidence> Evidence(const crd::WorkloadProfile& profile) {
  std::map<std::string, ContainerEvidence> out;
  for (const auto& c : profile.containers) {
    ContainerEvidence& e = out[c.name];
    if (c.capabilities.empty()) {
      e.capabilities = "learned: needed no capability";
    } else {
      std::vector<std::string> caps;
      for (const auto& cap : c.capabilities) {
        std::string item = cap;
        for (const auto& use : c.capability_evidence) {
          if (use.capability == cap && !use.denied) {
            absl::StrAppend(&item, " (", use.call_site, " by ", use.binary, ")");
            break;
          }
        }
        caps.push_back(std::move(item));
      }
      e.capabilities = absl::StrCat("learned: needed ", absl::StrJoin(caps, ", "));
    }
    std::vector<std::string> writes;
    for (const auto& w : c.file_writes) {
      if (writes.size() == 5) {
        writes.push_back("...");
        break;
      }
      writes.push_back(w.path);
    }
    e.writes = writes.empty() ? "learned: wrote no file"
                              : absl::StrCat("learned: wrote ", absl::StrJoin(writes, ", "));
    std::set<uint32_t> uids;
    for (const auto& u : c.users) uids.insert(u.uid);
    e.users = uids.empty() ? "" : absl::StrCat("learned: ran as uid ", absl::StrJoin(uids, ", "));
  }
  return out;
}

absl::Status LoadOne(const fs::path& dir,
                     std::map<std::string, std::shared_ptr<const ApprovedPolicy>>& out) {
  absl::StatusOr<std::set<Key>> approved = ReadSummary(dir / "summary.json");
  if (!approved.ok()) return approved.status();
  std::string narrowed_path = (dir / "narrowed.yaml").string();
  absl::StatusOr<std::string> text = util::ReadFile(narrowed_path);
  if (!text.ok()) return text.status();
  absl::StatusOr<std::vector<remediator::YamlDocument>> docs =
      remediator::ParseYamlDocuments(*text, narrowed_path);
  if (!docs.ok()) return docs.status();
  for (const auto& doc : *docs) {
    for (const YAML::Node& obj : remediator::ObjectsOf(doc.node)) {
      std::string kind = remediator::ObjectKind(obj);
      std::string name = remediator::ObjectName(obj);
      std::string ns = remediator::ObjectNamespace(obj);
      if (approved->count({ns, kind, name}) == 0) continue;
      YAML::Node tmpl = remediator::PodTemplate(obj);
      if (!tmpl.IsDefined() || !tmpl.IsMap()) continue;
      auto policy = std::make_shared<ApprovedPolicy>();
      policy->key = WorkloadKey(ns, kind, name);
      policy->kind = kind;
      policy->name = name;
      policy->namespace_ = ns;
      policy->source = remediator::Where(narrowed_path, obj);
      policy->pod_template =
          json::parse(minpriv::util::DumpCompact(remediator::YamlToJson(tmpl)), nullptr, false);
      if (kind == "Pod") {  // a Pod is its own template: keep only metadata and spec
        json t = json::object();
        for (const char* k : {"metadata", "spec"}) {
          if (const json* v = Member(policy->pod_template, k)) t[k] = *v;
        }
        policy->pod_template = std::move(t);
      }
      policy->security = ReadPodSecurity(policy->pod_template);
      fs::path profile = dir / "profiles" / ((ns.empty() ? "" : ns + "-") + name + ".yaml");
      std::error_code ec;
      if (fs::is_regular_file(profile, ec)) {
        absl::StatusOr<crd::WorkloadProfile> p = crd::ReadWorkloadProfileFile(profile.string());
        if (!p.ok()) return p.status();
        policy->profile_source = profile.string();
        policy->evidence = Evidence(*p);
      }
      if (auto it = out.find(policy->key); it != out.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            policy->source, ": ", kind, " ", name, " is also approved in ", it->second->source,
            "; keep one proposal per workload"));
      }
      out.emplace(policy->key, std::move(policy));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ModeOverrides> ReadSettings(const fs::path& path) {
  ModeOverrides out;
  std::error_code ec;
  if (!fs::exists(path, ec)) return out;
  absl::StatusOr<std::string> text = util::ReadFile(path.string());
  if (!text.ok()) return text.status();
  absl::StatusOr<std::vector<remediator::YamlDocument>> docs =
      remediator::ParseYamlDocuments(*text, path.string());
  if (!docs.ok()) return docs.status();
  if (docs->size() != 1 || !docs->front().node.IsMap() ||
      remediator::ObjectKind(docs->front().node) != "WebhookSettings") {
    return absl::InvalidArgumentError(
        absl::StrCat(path.string(), ": expected one document of kind WebhookSettings"));
  }
  const YAML::Node& root = docs->front().node;
  for (const char* section : {"namespaces", "workloads"}) {
    YAML::Node m = remediator::Child(root, section);
    if (!m.IsDefined() || m.IsNull()) continue;
    if (!m.IsMap()) {
      return absl::InvalidArgumentError(absl::StrCat(
          remediator::Where(path.string(), m), ": ", section, " must be a map of name to mode"));
    }
    for (const auto& kv : m) {
      std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      absl::StatusOr<Mode> mode = ParseMode(kv.second.IsScalar() ? kv.second.Scalar() : "");
      if (!mode.ok() || key.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(remediator::Where(path.string(), kv.second), ": ", section,
                         " entry needs a name and a mode: off, audit or enforce"));
      }
      (section[0] == 'n' ? out.namespaces : out.workloads)[key] = *mode;
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const PolicySnapshot>> LoadProposalSnapshot(
    const std::string& dir) {
  std::vector<fs::path> dirs;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::NotFoundError(absl::StrCat(dir, ": no such directory"));
  }
  if (IsProposalDir(dir)) {
    dirs.push_back(dir);
  } else {
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (e.is_directory() && IsProposalDir(e.path())) dirs.push_back(e.path());
    }
    std::sort(dirs.begin(), dirs.end());
  }
  if (dirs.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        dir, ": holds no proposal (narrowed.yaml and summary.json), directly or one level "
             "down; point --proposals at what minpriv propose --out wrote"));
  }
  std::map<std::string, std::shared_ptr<const ApprovedPolicy>> policies;
  for (const auto& d : dirs) {
    if (absl::Status s = LoadOne(d, policies); !s.ok()) return s;
  }
  absl::StatusOr<ModeOverrides> settings = ReadSettings(fs::path(dir) / "webhook-settings.yaml");
  if (!settings.ok()) return settings.status();
  return std::make_shared<const PolicySnapshot>(std::move(policies), std::move(*settings));
}

absl::Status ProposalDirSource::Load() {
  std::string fp = Fingerprint();
  absl::StatusOr<std::shared_ptr<const PolicySnapshot>> s = LoadProposalSnapshot(dir_);
  if (!s.ok()) return s.status();
  Publish(std::move(*s));
  fingerprint_ = std::move(fp);
  return absl::OkStatus();
}

absl::Status ProposalDirSource::ReloadIfChanged() {
  if (Fingerprint() == fingerprint_) return absl::OkStatus();
  return Load();
}

std::string ProposalDirSource::Fingerprint() const {
  std::vector<std::string> entries;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir_, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st;
    if (::stat(it->path().c_str(), &st) != 0) continue;
    entries.push_back(absl::StrCat(it->path().string(), ":", st.st_ino, ":", st.st_size, ":",
                                   st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec));
  }
  std::sort(entries.begin(), entries.end());
  return absl::StrJoin(entries, "\n");
}

}  // namespace minpriv::webhooks
