// Helpers shared by the remediator tests.
#ifndef MINPRIV_REMEDIATOR_TEST_UTIL_H_
#define MINPRIV_REMEDIATOR_TEST_UTIL_H_

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crd/profile_codec.h"
#include "remediator/proposer.h"
#include "util/files.h"

namespace minpriv::remediator::testing {

inline std::string TestData() { return MINPRIV_REMEDIATOR_TESTDATA; }

// Inputs of a golden case directory: manifest*.yaml, profile*.yaml, inventory.yaml.
struct CaseInputs {
  std::vector<std::string> manifests, profiles;
  std::string inventory;
};

inline CaseInputs CaseFiles(const std::string& dir) {
  CaseInputs in;
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file()) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    std::string p = dir + "/" + n;
    if (n.rfind("manifest", 0) == 0) in.manifests.push_back(p);
    if (n.rfind("profile", 0) == 0) in.profiles.push_back(p);
    if (n == "inventory.yaml") in.inventory = p;
  }
  return in;
}

inline absl::StatusOr<Proposal> ProposeFromFiles(const CaseInputs& in) {
  std::vector<ProfileInput> profiles;
  for (const auto& p : in.profiles) {
    auto prof = crd::ReadWorkloadProfileFile(p);
    if (!prof.ok()) return prof.status();
    profiles.push_back({std::filesystem::path(p).filename().string(), *prof});
  }
  std::vector<ManifestInput> manifests;
  for (const auto& m : in.manifests) {
    auto text = util::ReadFile(m);
    if (!text.ok()) return text.status();
    manifests.push_back({std::filesystem::path(m).filename().string(), *text});
  }
  Inventory inv;
  if (!in.inventory.empty()) {
    auto text = util::ReadFile(in.inventory);
    if (!text.ok()) return text.status();
    auto parsed = ParseInventory(*text, "inventory.yaml");
    if (!parsed.ok()) return parsed.status();
    inv = *parsed;
  }
  return Propose(profiles, manifests, inv);
}

// Every regular file under `dir`: relative path → contents.
inline std::map<std::string, std::string> ReadTree(const std::string& dir) {
  std::map<std::string, std::string> out;
  if (!std::filesystem::exists(dir)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    auto text = util::ReadFile(e.path().string());
    out[std::filesystem::relative(e.path(), dir).string()] = text.ok() ? *text : "<unreadable>";
  }
  return out;
}

}  // namespace minpriv::remediator::testing

#endif  // MINPRIV_REMEDIATOR_TEST_UTIL_H_
