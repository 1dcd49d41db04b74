#include "kube/reflector.h"

#include <map>
#include <utility>

#include "kube/status.h"
#include "spdlog/spdlog.h"

namespace minpriv::kube {

EventHandlers EnqueueKeys(WorkQueue* queue) {
  EventHandlers handlers;
  handlers.on_add = [queue](const nlohmann::json& o) { queue->Add(ObjectKey(o)); };
  handlers.on_update = [queue](const nlohmann::json&, const nlohmann::json& o) {
    queue->Add(ObjectKey(o));
  };
  handlers.on_delete = [queue](const nlohmann::json& o) { queue->Add(ObjectKey(o)); };
  return handlers;
}

Reflector::Reflector(RestClient client, Options options, EventHandlers handlers)
    : client_(std::move(client)),
      options_(std::move(options)),
      handlers_(std::move(handlers)),
      backoff_(options_.backoff, options_.random) {}

Reflector::~Reflector() { Stop(); }

void Reflector::Start() {
  if (thread_.joinable() || stopping()) return;
  thread_ = std::thread([this] { Run(); });
}

void Reflector::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_.store(true);
    if (current_watch_ != nullptr) current_watch_->Cancel();
    cv_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
}

bool Reflector::WaitForSync(absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock lock(&mu_);
  while (!synced_.load() && !stopping_.load()) {
    if (cv_.WaitWithDeadline(&mu_, deadline)) break;
  }
  return synced_.load();
}

Reflector::Stats Reflector::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

std::string Reflector::last_resource_version() const {
  absl::MutexLock lock(&mu_);
  return resource_version_;
}

void Reflector::BackoffWait() {
  absl::Time deadline = absl::Now() + backoff_.Next();
  absl::MutexLock lock(&mu_);
  while (!stopping_.load()) {
    if (cv_.WaitWithDeadline(&mu_, deadline)) break;
  }
}

void Reflector::Run() {
  while (!stopping()) {
    if (relist_) {
      if (!ListAndReplace()) continue;
      relist_ = false;
    }
    WatchOnce();
  }
}

bool Reflector::ListAndReplace() {
  ListOptions list_options;
  list_options.label_selector = options_.label_selector;
  list_options.field_selector = options_.field_selector;
  absl::StatusOr<ObjectList> list = client_.ListAll(options_.resource, options_.ns, list_options);
  if (!list.ok()) {
    {
      absl::MutexLock lock(&mu_);
      ++stats_.list_errors;
    }
    spdlog::warn("kube: listing {} failed: {}", options_.resource.DisplayName(),
                 list.status().ToString());
    BackoffWait();
    return false;
  }
  std::map<std::string, nlohmann::json> fresh;
  for (nlohmann::json& item : list->items) {
    std::string key = ObjectKey(item);
    if (!key.empty()) fresh.emplace(std::move(key), std::move(item));
  }
  std::map<std::string, nlohmann::json> old = store_.Replace(fresh);
  for (const auto& [key, object] : fresh) {
    auto it = old.find(key);
    if (it == old.end()) {
      if (handlers_.on_add) handlers_.on_add(object);
    } else if (MetaString(it->second, "resourceVersion") != MetaString(object, "resourceVersion")) {
      if (handlers_.on_update) handlers_.on_update(it->second, object);
    }
  }
  for (const auto& [key, object] : old) {
    if (!fresh.count(key) && handlers_.on_delete) handlers_.on_delete(object);
  }
  {
    absl::MutexLock lock(&mu_);
    resource_version_ = list->resource_version;
    ++stats_.lists;
    synced_.store(true);
    cv_.SignalAll();
  }
  return true;
}

void Reflector::WatchOnce() {
  WatchOptions watch_options;
  watch_options.label_selector = options_.label_selector;
  watch_options.field_selector = options_.field_selector;
  watch_options.timeout_seconds = options_.watch_timeout_seconds;
  watch_options.resource_version = last_resource_version();
  absl::StatusOr<std::unique_ptr<WatchStream>> watch =
      client_.Watch(options_.resource, options_.ns, watch_options);
  if (!watch.ok()) {
    absl::MutexLock lock(&mu_);
    if (IsGone(watch.status())) {
      ++stats_.expired;
      relist_ = true;
      return;
    }
    ++stats_.watch_errors;
  }
  if (!watch.ok()) {
    spdlog::warn("kube: watching {} failed: {}", options_.resource.DisplayName(),
                 watch.status().ToString());
    BackoffWait();
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    if (stopping_.load()) return;
    current_watch_ = watch->get();
    ++stats_.watches;
  }
  absl::Time opened = absl::Now();
  bool failed = false;
  while (!stopping()) {
    absl::StatusOr<std::optional<WatchEvent>> event = (*watch)->Next();
    if (!event.ok()) {
      if (!stopping()) {
        spdlog::info("kube: watch of {} broke: {}", options_.resource.DisplayName(),
                     event.status().ToString());
      }
      failed = true;
      break;
    }
    if (!event->has_value()) break;  // the server ended the watch: watch again at once
    if ((*event)->type == WatchEvent::Type::kError) {
      if ((*event)->Expired()) {
        absl::MutexLock lock(&mu_);
        ++stats_.expired;
        relist_ = true;
      } else {
        spdlog::warn("kube: watch of {}: {}", options_.resource.DisplayName(),
                     (*event)->error.ToString());
        failed = true;
      }
      break;
    }
    Apply(**event);
  }
  {
    absl::MutexLock lock(&mu_);
    current_watch_ = nullptr;
    if (failed && !stopping_.load()) ++stats_.watch_errors;
  }
  // A watch that worked for a while was a success: the next failure starts from the shortest
  // delay. One that failed at once keeps growing the delay.
  if (!failed || absl::Now() - opened > absl::Seconds(10)) backoff_.Reset();
  if (failed && !stopping()) BackoffWait();
}

void Reflector::Apply(const WatchEvent& event) {
  const std::string rv = event.ResourceVersion();
  if (event.type != WatchEvent::Type::kBookmark) {
    const std::string key = ObjectKey(event.object);
    if (!key.empty()) {
      if (event.type == WatchEvent::Type::kDeleted) {
        std::optional<nlohmann::json> old = store_.Remove(key);
        if (handlers_.on_delete) handlers_.on_delete(old ? *old : event.object);
      } else {
        std::optional<nlohmann::json> old = store_.Upsert(key, event.object);
        if (!old) {
          if (handlers_.on_add) handlers_.on_add(event.object);
        } else if (handlers_.on_update) {
          handlers_.on_update(*old, event.object);
        }
      }
    }
  }
  if (!rv.empty()) {
    absl::MutexLock lock(&mu_);
    resource_version_ = rv;
  }
}

}  // namespace minpriv::kube
