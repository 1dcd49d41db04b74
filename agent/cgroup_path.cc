#include "agent/cgroup_path.h"

#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace minpriv::agent {
namespace {

bool IsHex(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

// Container ids: 64 lower-case hex digits (containerd, CRI-O, docker all use them).
bool IsContainerId(absl::string_view s) { return s.size() == 64 && IsHex(s); }

struct ContainerName {
  std::string id;
  std::string runtime;
};

// "cri-containerd-<id>", "crio-<id>", "docker-<id>" (with ".scope" under systemd), or a bare
// id (cgroupfs only).
std::optional<ContainerName> ParseContainer(absl::string_view name, CgroupDriver driver) {
  if (driver == CgroupDriver::kSystemd) {
    if (!absl::ConsumeSuffix(&name, ".scope")) return std::nullopt;
  } else if (IsContainerId(name)) {
    return ContainerName{std::string(name), ""};
  }
  static constexpr std::pair<const char*, const char*> kPrefixes[] = {
      {"cri-containerd-", "containerd"}, {"crio-", "cri-o"}, {"docker-", "docker"}};
  for (const auto& [prefix, runtime] : kPrefixes) {
    absl::string_view rest = name;
    if (absl::ConsumePrefix(&rest, prefix) && IsContainerId(rest)) {
      return ContainerName{std::string(rest), runtime};
    }
  }
  return std::nullopt;
}

std::optional<QosClass> QosFromName(absl::string_view name) {
  if (name == "burstable") return QosClass::kBurstable;
  if (name == "besteffort") return QosClass::kBestEffort;
  return std::nullopt;
}

absl::Status Invalid(absl::string_view path, absl::string_view component, absl::string_view want) {
  return absl::InvalidArgumentError(absl::StrCat("cgroup ", path, ": '", component,
                                                 "' is not ", want));
}

// The components below kubepods, cgroupfs naming.
absl::StatusOr<KubeCgroup> ParseCgroupfs(absl::string_view path,
                                         const std::vector<absl::string_view>& below) {
  KubeCgroup c;
  c.driver = CgroupDriver::kCgroupfs;
  size_t i = 0;
  if (i == below.size()) return c;
  if (std::optional<QosClass> qos = QosFromName(below[i])) {
    c.qos = *qos;
    c.level = CgroupLevel::kQos;
    if (++i == below.size()) return c;
  }
  absl::string_view pod = below[i];
  if (!absl::ConsumePrefix(&pod, "pod") || !IsPodUid(pod)) {
    return Invalid(path, below[i], "a QoS class or pod<uid>");
  }
  c.pod_uid = std::string(pod);
  c.level = CgroupLevel::kPod;
  if (++i == below.size()) return c;
  std::optional<ContainerName> container = ParseContainer(below[i], c.driver);
  if (!container) return Invalid(path, below[i], "a container id");
  c.container_id = container->id;
  c.runtime = container->runtime;
  c.level = CgroupLevel::kContainer;
  c.nested = i + 1 < below.size();
  return c;
}

// The components below kubepods.slice, systemd naming: each slice repeats its parent's name.
absl::StatusOr<KubeCgroup> ParseSystemd(absl::string_view path,
                                        const std::vector<absl::string_view>& below) {
  KubeCgroup c;
  c.driver = CgroupDriver::kSystemd;
  size_t i = 0;
  if (i == below.size()) return c;
  std::string parent = "kubepods";
  absl::string_view slice = below[i];
  if (!absl::ConsumePrefix(&slice, "kubepods-") || !absl::ConsumeSuffix(&slice, ".slice")) {
    return Invalid(path, below[i], "a kubepods-*.slice");
  }
  if (std::optional<QosClass> qos = QosFromName(slice)) {
    c.qos = *qos;
    c.level = CgroupLevel::kQos;
    parent = absl::StrCat("kubepods-", slice);
    if (++i == below.size()) return c;
    slice = below[i];
    if (!absl::ConsumePrefix(&slice, parent + "-") || !absl::ConsumeSuffix(&slice, ".slice")) {
      return Invalid(path, below[i], absl::StrCat(parent, "-pod<uid>.slice"));
    }
  }
  absl::string_view uid = slice;
  if (!absl::ConsumePrefix(&uid, "pod") || uid.find('-') != absl::string_view::npos) {
    return Invalid(path, below[i], absl::StrCat("a QoS slice or ", parent, "-pod<uid>.slice"));
  }
  std::string dashed = absl::StrReplaceAll(uid, {{"_", "-"}});
  if (!IsPodUid(dashed)) {
    return Invalid(path, below[i], absl::StrCat(parent, "-pod<uid>.slice"));
  }
  c.pod_uid = dashed;
  c.level = CgroupLevel::kPod;
  if (++i == below.size()) return c;
  std::optional<ContainerName> container = ParseContainer(below[i], c.driver);
  if (!container) return Invalid(path, below[i], "a container scope (cri-containerd-, crio-, docker-<id>.scope)");
  c.container_id = container->id;
  c.runtime = container->runtime;
  c.level = CgroupLevel::kContainer;
  c.nested = i + 1 < below.size();
  return c;
}

}  // namespace

const char* QosClassName(QosClass qos) {
  switch (qos) {
    case QosClass::kGuaranteed: return "Guaranteed";
    case QosClass::kBurstable: return "Burstable";
    case QosClass::kBestEffort: return "BestEffort";
  }
  return "?";
}

bool IsPodUid(absl::string_view uid) {
  if (uid.size() != 36) return false;
  for (size_t i = 0; i < uid.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (uid[i] == '-')) return false;
    if (!dash && !IsHex(uid.substr(i, 1))) return false;
  }
  return true;
}

absl::StatusOr<KubeCgroup> ParseKubeCgroup(absl::string_view relative_path) {
  std::vector<absl::string_view> parts =
      absl::StrSplit(relative_path, '/', absl::SkipEmpty());
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] != "kubepods" && parts[i] != "kubepods.slice") continue;
    std::vector<absl::string_view> below(parts.begin() + i + 1, parts.end());
    return parts[i] == "kubepods" ? ParseCgroupfs(relative_path, below)
                                  : ParseSystemd(relative_path, below);
  }
  return absl::NotFoundError(absl::StrCat("cgroup ", relative_path, ": not below kubepods"));
}

}  // namespace minpriv::agent
