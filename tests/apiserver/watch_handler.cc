#include "watch_handler.h"

#include <chrono>
#include <mutex>

#include "table.h"

namespace minpriv::apiserver {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kDefaultTimeoutSeconds = 1800;

std::string EventLine(const std::string& type, const json& object) {
  return json{{"type", type}, {"object", object}}.dump() + "\n";
}

}  // namespace

HttpResponse HandleWatch(Store& store, const ServerOptions& options, const Route& route,
                         const HttpRequest& req) {
  const ResourceType t = route.type;
  WatchFilter filter;
  filter.key = t.Key();
  filter.namespace_ = route.ns;
  filter.labels = ParseLabelSelector(req);
  filter.fields = ParseFieldSelector(t, req);
  bool bookmarks = req.Query("allowWatchBookmarks") == "true" || req.Query("allowWatchBookmarks") == "1";
  bool initial_events = req.Query("sendInitialEvents") == "true";
  if (initial_events && (req.Query("resourceVersionMatch") != "NotOlderThan" || !bookmarks))
    throw ApiException{Invalid(
        "ListOptions", "meta.k8s.io", "",
        "sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the "
        "WatchList feature gate is enabled and resourceVersionMatch is NotOlderThan and "
        "allowWatchBookmarks is true")};
  if (!initial_events && !req.Query("resourceVersionMatch").empty())
    throw ApiException{Invalid("ListOptions", "meta.k8s.io", "",
                               "resourceVersionMatch: Forbidden: resourceVersionMatch is "
                               "forbidden for watch unless sendInitialEvents is provided")};
  std::optional<uint64_t> from;
  std::string rv = req.Query("resourceVersion");
  if (!rv.empty() && rv != "0") {
    try {
      from = std::stoull(rv);
    } catch (const std::exception&) {
      throw ApiException{BadRequest("invalid resource version \"" + rv + "\"")};
    }
  }
  int timeout = kDefaultTimeoutSeconds;
  if (!req.Query("timeoutSeconds").empty()) timeout = std::stoi(req.Query("timeoutSeconds"));
  bool table = WantsTable(req.Header("accept"));
  std::string include = req.Query("includeObject");

  HttpResponse response;
  response.content_type = table ? kTableContentType : "application/json";
  std::shared_ptr<Watcher> watcher;
  try {
    watcher = store.StartWatch(t, filter, from, initial_events);
  } catch (const ApiException& e) {
    // As the real server: the watch starts, then says 410 Gone in an ERROR event.
    json status = e.error.status;
    response.stream = [status](StreamSink& sink) { sink.Write(EventLine("ERROR", status)); };
    return response;
  }
  auto interval = options.bookmark_interval;
  response.stream = [&store, watcher, t, bookmarks, timeout, table, include,
                     interval](StreamSink& sink) {
    auto deadline = Clock::now() + std::chrono::seconds(timeout);
    auto next_bookmark = Clock::now() + interval;
    std::unique_lock<std::mutex> lock(store.mutex());
    while (true) {
      auto wake = std::min({deadline, next_bookmark, Clock::now() + std::chrono::seconds(1)});
      watcher->cv.wait_until(lock, wake,
                             [&] { return !watcher->queue.empty() || watcher->closed; });
      std::deque<json> events;
      events.swap(watcher->queue);
      bool closed = watcher->closed;
      std::optional<uint64_t> bookmark_rv;
      if (bookmarks && Clock::now() >= next_bookmark) {
        // Every event up to the store's version has been queued for this watcher.
        bookmark_rv = store.resource_version();
        next_bookmark = Clock::now() + interval;
      }
      lock.unlock();
      std::string out;
      for (auto& e : events) {
        std::string type = e["type"].get<std::string>();
        if (table && type != "BOOKMARK")
          out += EventLine(type, ToTable(t, {e["object"]}, include, true));
        else
          out += EventLine(type, e["object"]);
      }
      if (bookmark_rv)
        out += EventLine("BOOKMARK", {{"kind", t.kind},
                                      {"apiVersion", t.GroupVersion()},
                                      {"metadata",
                                       {{"resourceVersion", std::to_string(*bookmark_rv)}}}});
      bool ok = out.empty() || sink.Write(out);
      if (!ok || closed || Clock::now() >= deadline || sink.PeerClosed()) break;
      lock.lock();
    }
    store.StopWatch(watcher);
  };
  return response;
}

}  // namespace minpriv::apiserver
