#include "kube/store.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace minpriv::kube {

std::optional<nlohmann::json> Store::Upsert(const std::string& key, nlohmann::json object) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = objects_.try_emplace(key, std::move(object));
  if (inserted) return std::nullopt;
  std::optional<nlohmann::json> old = std::move(it->second);
  it->second = std::move(object);
  return old;
}

std::optional<nlohmann::json> Store::Remove(const std::string& key) {
  absl::MutexLock lock(&mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  std::optional<nlohmann::json> old = std::move(it->second);
  objects_.erase(it);
  return old;
}

std::map<std::string, nlohmann::json> Store::Replace(
    std::map<std::string, nlohmann::json> objects) {
  absl::MutexLock lock(&mu_);
  std::swap(objects_, objects);
  return objects;
}

std::optional<nlohmann::json> Store::Get(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  return it->second;
}

std::vector<nlohmann::json> Store::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<nlohmann::json> out;
  out.reserve(objects_.size());
  for (const auto& [key, object] : objects_) out.push_back(object);
  return out;
}

std::vector<nlohmann::json> Store::ListNamespace(const std::string& ns) const {
  const std::string prefix = absl::StrCat(ns, "/");
  absl::MutexLock lock(&mu_);
  std::vector<nlohmann::json> out;
  for (auto it = objects_.lower_bound(prefix);
       it != objects_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    out.push_back(it->second);
  }
  return out;
}

std::vector<std::string> Store::Keys() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  out.reserve(objects_.size());
  for (const auto& [key, object] : objects_) out.push_back(key);
  return out;
}

size_t Store::size() const {
  absl::MutexLock lock(&mu_);
  return objects_.size();
}

}  // namespace minpriv::kube
