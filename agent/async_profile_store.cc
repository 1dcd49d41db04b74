#include "agent/async_profile_store.h"

#include <utility>

#include "kube/rest_client.h"

namespace minpriv::agent {

using nlohmann::json;

bool AsyncProfileStore::Load(const std::string& tag, const std::string& ns,
                             const std::string& name) {
  return worker_->Submit("load " + ns + "/" + name, [this, tag, ns, name] {
    absl::StatusOr<std::optional<json>> got = store_->Load(ns, name);
    absl::MutexLock lock(&mu_);
    if (got.ok() && got->has_value()) {
      resource_versions_[ns + "/" + name] = kube::MetaString(**got, "resourceVersion");
    }
    results_.loaded.push_back({tag, std::move(got)});
  });
}

bool AsyncProfileStore::Save(const std::string& tag, json object) {
  const std::string key =
      kube::MetaString(object, "namespace") + "/" + kube::MetaString(object, "name");
  return worker_->Submit("save " + key, [this, tag, key, object = std::move(object)] {
    json write = object;
    {
      absl::MutexLock lock(&mu_);
      auto rv = resource_versions_.find(key);
      if (rv != resource_versions_.end() && !rv->second.empty()) {
        write["metadata"]["resourceVersion"] = rv->second;
      }
    }
    absl::StatusOr<json> saved = store_->Save(write);
    absl::MutexLock lock(&mu_);
    if (saved.ok()) resource_versions_[key] = kube::MetaString(*saved, "resourceVersion");
    results_.saved.push_back({tag, object, saved.status()});
  });
}

void AsyncProfileStore::Forget(const std::string& ns, const std::string& name) {
  absl::MutexLock lock(&mu_);
  resource_versions_.erase(ns + "/" + name);
}

AsyncProfileStore::Results AsyncProfileStore::TakeResults() {
  absl::MutexLock lock(&mu_);
  return std::exchange(results_, Results{});
}

}  // namespace minpriv::agent
