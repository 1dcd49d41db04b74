#include "store.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

namespace minpriv::apiserver {
namespace {

using nlohmann::json;

constexpr size_t kMaxWatcherQueue = 10000;  // a watcher this far behind is closed

std::mt19937_64& Rng() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

std::string NewUid() {
  std::uniform_int_distribution<int> d(0, 15);
  std::string s = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
  for (char& c : s) {
    if (c == 'x') c = "0123456789abcdef"[d(Rng())];
    if (c == 'y') c = "89ab"[d(Rng()) % 4];
  }
  return s;
}

std::string Hex(const std::string& s) {
  static const char* k = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += k[c >> 4];
    out += k[c & 15];
  }
  return out;
}

std::optional<std::string> Unhex(const std::string& s) {
  if (s.size() % 2) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < s.size(); i += 2) {
    int v = 0;
    if (std::sscanf(s.substr(i, 2).c_str(), "%2x", &v) != 1) return std::nullopt;
    out += static_cast<char>(v);
  }
  return out;
}

// The part of an object whose change bumps metadata.generation.
json GenerationRelevant(const json& obj, bool has_status) {
  json copy = obj;
  copy.erase("metadata");
  if (has_status) copy.erase("status");
  return copy;
}

bool UsesGeneration(const ResourceType& t) { return t.has_status || t.from_crd; }

}  // namespace

std::string NowRfc3339() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string RandomSuffix(size_t n) {
  static const std::string kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::uniform_int_distribution<size_t> d(0, kAlphabet.size() - 1);
  std::string s;
  for (size_t i = 0; i < n; ++i) s += kAlphabet[d(Rng())];
  return s;
}

Store::Store(size_t history_limit) : history_limit_(history_limit) {
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    json obj = {{"apiVersion", "v1"},
                {"kind", "Namespace"},
                {"metadata", {{"name", ns}, {"labels", {{"kubernetes.io/metadata.name", ns}}}}},
                {"spec", {{"finalizers", {"kubernetes"}}}},
                {"status", {{"phase", "Active"}}}};
    obj["metadata"]["uid"] = NewUid();
    obj["metadata"]["creationTimestamp"] = NowRfc3339();
    obj["metadata"]["resourceVersion"] = std::to_string(++rv_);
    objects_["/namespaces"][ObjectKey("", ns)] = obj;
  }
  compacted_rv_ = rv_;
}

void Store::RequireNamespace(const std::string& ns) {
  if (!objects_["/namespaces"].count(ObjectKey("", ns)))
    throw ApiException{NotFound("namespaces", "", ns)};
}

json Store::Create(const ResourceType& t, const std::string& ns, json obj, bool dry_run) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!obj.is_object()) throw ApiException{BadRequest("the body of the request must be an object")};
  json& meta = obj["metadata"];
  if (!meta.is_object()) meta = json::object();
  std::string name = meta.value("name", "");
  if (name.empty() && !meta.value("generateName", "").empty()) {
    do {
      name = meta.value("generateName", "") + RandomSuffix(5);
    } while (Objects(t).count(ObjectKey(ns, name)));
  }
  if (name.empty())
    throw ApiException{Invalid(t.kind, t.group, "",
                               "metadata.name: Required value: name or generateName is required")};
  if (t.namespaced) {
    if (meta.contains("namespace") && meta["namespace"].is_string() &&
        !meta["namespace"].get<std::string>().empty() && meta["namespace"] != ns)
      throw ApiException{BadRequest(
          "the namespace of the provided object does not match the namespace sent on the request")};
    RequireNamespace(ns);
    meta["namespace"] = ns;
  } else {
    meta.erase("namespace");
  }
  auto& objects = Objects(t);
  if (objects.count(ObjectKey(ns, name))) throw ApiException{AlreadyExists(t.resource, t.group, name)};
  meta["name"] = name;
  meta["uid"] = NewUid();
  meta["creationTimestamp"] = NowRfc3339();
  meta.erase("deletionTimestamp");
  if (UsesGeneration(t)) meta["generation"] = 1;
  obj["apiVersion"] = t.GroupVersion();
  obj["kind"] = t.kind;
  // With a status subresource, status is the controllers' to write: a create drops it.
  if (t.has_status) obj.erase("status");
  if (t.kind == "Namespace") {
    meta["labels"]["kubernetes.io/metadata.name"] = name;
    obj["status"] = {{"phase", "Active"}};
  }
  if (dry_run) {
    meta.erase("resourceVersion");
    return obj;
  }
  meta["resourceVersion"] = std::to_string(++rv_);
  if (t.kind == "CustomResourceDefinition") OnCrdChange(obj, false);
  objects[ObjectKey(ns, name)] = obj;
  Record("ADDED", t.Key(), obj, json());
  return obj;
}

json Store::Get(const ResourceType& t, const std::string& ns, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& objects = Objects(t);
  auto it = objects.find(ObjectKey(ns, name));
  if (it == objects.end()) throw ApiException{NotFound(t.resource, t.group, name)};
  json obj = it->second;
  obj["apiVersion"] = t.GroupVersion();
  return obj;
}

ListResult Store::List(const ResourceType& t, const std::string& ns, const Selector& labels,
                       const Selector& fields, int64_t limit, const std::string& continue_token) {
  std::lock_guard<std::mutex> lock(mu_);
  ListResult result;
  result.resource_version = rv_;
  std::string start;
  if (!continue_token.empty()) {
    size_t dot = continue_token.find('.');
    std::optional<std::string> key =
        dot == std::string::npos ? std::nullopt : Unhex(continue_token.substr(dot + 1));
    uint64_t token_rv = 0;
    try {
      token_rv = std::stoull(continue_token.substr(0, dot));
    } catch (const std::exception&) {
      key.reset();
    }
    if (!key) throw ApiException{BadRequest("continue key is not valid: invalid token")};
    if (token_rv < compacted_rv_)
      throw ApiException{Expired(
          "The provided continue parameter is too old to display a consistent list result. You "
          "can start a new list without the continue parameter.")};
    start = *key;
    result.resource_version = token_rv;
  }
  auto& objects = Objects(t);
  auto it = start.empty() ? objects.begin() : objects.upper_bound(start);
  std::string last_key;
  for (; it != objects.end(); ++it) {
    const json& obj = it->second;
    if (t.namespaced && !ns.empty() && obj["metadata"].value("namespace", "") != ns) continue;
    if (!labels.MatchesLabels(obj) || !fields.MatchesFields(obj)) continue;
    if (limit > 0 && static_cast<int64_t>(result.items.size()) == limit) {
      result.continue_token = std::to_string(result.resource_version) + "." + Hex(last_key);
      int64_t remaining = 0;
      for (; it != objects.end(); ++it) {
        const json& o = it->second;
        if (t.namespaced && !ns.empty() && o["metadata"].value("namespace", "") != ns) continue;
        if (labels.MatchesLabels(o) && fields.MatchesFields(o)) ++remaining;
      }
      result.remaining = remaining;
      break;
    }
    json item = obj;
    item["apiVersion"] = t.GroupVersion();
    result.items.push_back(std::move(item));
    last_key = it->first;
  }
  return result;
}

json Store::Update(const ResourceType& t, const std::string& ns, const std::string& name,
                   json obj, bool status_only, bool dry_run) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& objects = Objects(t);
  auto it = objects.find(ObjectKey(ns, name));
  if (it == objects.end()) throw ApiException{NotFound(t.resource, t.group, name)};
  const json old = it->second;
  if (!obj.is_object() || !obj.contains("metadata") || !obj["metadata"].is_object())
    obj["metadata"] = json::object();
  json& meta = obj["metadata"];
  if (meta.contains("name") && meta["name"] != name)
    throw ApiException{BadRequest("the name of the object (" + meta.value("name", "") +
                                  ") does not match the name on the URL (" + name + ")")};
  std::string want_rv = meta.value("resourceVersion", "");
  if (want_rv.empty() && t.from_crd)
    throw ApiException{Invalid(t.kind, t.group, name,
                               "metadata.resourceVersion: Invalid value: 0x0: must be specified "
                               "for an update")};
  if (!want_rv.empty() && want_rv != old["metadata"].value("resourceVersion", ""))
    throw ApiException{Conflict(t.resource, t.group, name)};
  json updated;
  if (status_only) {
    updated = old;
    if (obj.contains("status")) updated["status"] = obj["status"];
    else updated.erase("status");
  } else {
    updated = obj;
    if (t.has_status) {
      if (old.contains("status")) updated["status"] = old["status"];
      else updated.erase("status");
    }
    // Fields the server owns.
    for (const char* f : {"uid", "creationTimestamp", "generation", "namespace", "name"})
      if (old["metadata"].contains(f)) updated["metadata"][f] = old["metadata"][f];
    if (!old["metadata"].contains("namespace")) updated["metadata"].erase("namespace");
  }
  updated["apiVersion"] = t.GroupVersion();
  updated["kind"] = t.kind;
  updated["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"];
  if (updated == old) return old;  // a no-op write keeps its resourceVersion, sends no event
  if (UsesGeneration(t) &&
      GenerationRelevant(updated, t.has_status) != GenerationRelevant(old, t.has_status))
    updated["metadata"]["generation"] = old["metadata"].value("generation", 0) + 1;
  if (dry_run) return updated;
  updated["metadata"]["resourceVersion"] = std::to_string(++rv_);
  if (t.kind == "CustomResourceDefinition" && !status_only) OnCrdChange(updated, false);
  it->second = updated;
  Record("MODIFIED", t.Key(), updated, old);
  return updated;
}

json Store::DeleteLocked(const ResourceType& t, const std::string& ns, const std::string& name) {
  auto& objects = Objects(t);
  auto it = objects.find(ObjectKey(ns, name));
  if (it == objects.end()) throw ApiException{NotFound(t.resource, t.group, name)};
  json obj = it->second;
  objects.erase(it);
  obj["metadata"]["resourceVersion"] = std::to_string(++rv_);
  Record("DELETED", t.Key(), obj, json());
  if (t.kind == "Namespace") {
    // Immediate: everything in the namespace goes too (no Terminating phase).
    for (auto& [key, objs] : objects_) {
      for (auto o = objs.begin(); o != objs.end();) {
        if (o->second["metadata"].value("namespace", "") == name) {
          json gone = o->second;
          o = objs.erase(o);
          gone["metadata"]["resourceVersion"] = std::to_string(++rv_);
          Record("DELETED", key, gone, json());
        } else {
          ++o;
        }
      }
    }
  }
  if (t.kind == "CustomResourceDefinition") OnCrdChange(obj, true);
  return obj;
}

json Store::Delete(const ResourceType& t, const std::string& ns, const std::string& name,
                   const json& preconditions, bool dry_run) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& objects = Objects(t);
  auto it = objects.find(ObjectKey(ns, name));
  if (it != objects.end() && preconditions.is_object()) {
    const json& meta = it->second["metadata"];
    if ((preconditions.contains("uid") && preconditions["uid"] != meta["uid"]) ||
        (preconditions.contains("resourceVersion") &&
         preconditions["resourceVersion"] != meta["resourceVersion"]))
      throw ApiException{Conflict(t.resource, t.group, name)};
  }
  if (dry_run) {
    if (it == objects.end()) throw ApiException{NotFound(t.resource, t.group, name)};
    return it->second;
  }
  return DeleteLocked(t, ns, name);
}

std::vector<json> Store::DeleteCollection(const ResourceType& t, const std::string& ns,
                                          const Selector& labels, const Selector& fields,
                                          bool dry_run) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<std::string, std::string>> names;
  std::vector<json> out;
  for (const auto& [key, obj] : Objects(t)) {
    std::string o_ns = obj["metadata"].value("namespace", "");
    if (t.namespaced && !ns.empty() && o_ns != ns) continue;
    if (labels.MatchesLabels(obj) && fields.MatchesFields(obj)) {
      names.emplace_back(o_ns, obj["metadata"].value("name", ""));
      if (dry_run) out.push_back(obj);
    }
  }
  if (dry_run) return out;
  for (const auto& [o_ns, name] : names) out.push_back(DeleteLocked(t, o_ns, name));
  return out;
}

void Store::OnCrdChange(json& crd, bool deleted) {
  std::string name = crd["metadata"].value("name", "");
  if (deleted) {
    // The custom objects go with their definition.
    const json& spec = crd.value("spec", json::object());
    std::string key = spec.value("group", "") + "/" + spec["names"].value("plural", "");
    registry_.ApplyCrd(name, json());
    objects_.erase(key);
    return;
  }
  registry_.ApplyCrd(name, crd);
  json& status = crd["status"];
  std::string storage;
  for (const auto& v : crd["spec"].value("versions", json::array()))
    if (v.value("storage", false)) storage = v.value("name", "");
  status["acceptedNames"] = crd["spec"].value("names", json::object());
  status["conditions"] = json::array(
      {{{"type", "NamesAccepted"}, {"status", "True"}, {"reason", "NoConflicts"},
        {"message", "no conflicts found"}, {"lastTransitionTime", NowRfc3339()}},
       {{"type", "Established"}, {"status", "True"}, {"reason", "InitialNamesAccepted"},
        {"message", "the initial names have been accepted"},
        {"lastTransitionTime", NowRfc3339()}}});
  status["storedVersions"] = json::array({storage});
}

void Store::Record(const std::string& type, const std::string& key, const json& obj,
                   const json& old) {
  history_.push_back({rv_, type, key, obj, old});
  while (history_.size() > history_limit_) {
    compacted_rv_ = history_.front().rv;
    history_.pop_front();
  }
  for (auto& w : watchers_) Deliver(*w, history_.back());
}

void Store::Deliver(Watcher& w, const Event& e) {
  if (w.closed || e.key != w.filter.key) return;
  auto matches = [&](const json& o) {
    if (o.is_null()) return false;
    if (!w.filter.namespace_.empty() &&
        o["metadata"].value("namespace", "") != w.filter.namespace_)
      return false;
    return w.filter.labels.MatchesLabels(o) && w.filter.fields.MatchesFields(o);
  };
  bool now = matches(e.object);
  std::string type = e.type;
  if (e.type == "MODIFIED") {
    bool before = matches(e.old);
    // As the real watch cache does: entering the selection is ADDED, leaving it DELETED.
    if (!before && !now) return;
    if (!before) type = "ADDED";
    if (!now) type = "DELETED";
  } else if (!now) {
    return;
  }
  w.last_rv = e.rv;
  if (w.queue.size() >= kMaxWatcherQueue) {
    w.closed = true;
  } else {
    w.queue.push_back({{"type", type}, {"object", e.object}});
  }
  w.cv.notify_all();
}

std::shared_ptr<Watcher> Store::StartWatch(const ResourceType& t, WatchFilter filter,
                                           std::optional<uint64_t> from_rv, bool initial_events) {
  std::lock_guard<std::mutex> lock(mu_);
  auto w = std::make_shared<Watcher>();
  w->filter = std::move(filter);
  w->last_rv = rv_;
  if (from_rv && *from_rv < compacted_rv_ && !initial_events)
    throw ApiException{Expired("too old resource version: " + std::to_string(*from_rv) + " (" +
                               std::to_string(compacted_rv_ + 1) + ")")};
  if (!from_rv || initial_events) {
    for (const auto& [key, obj] : Objects(t)) {
      Event e{rv_, "ADDED", t.Key(), obj, json()};
      e.object["apiVersion"] = t.GroupVersion();
      Deliver(*w, e);
    }
    w->last_rv = rv_;
    if (initial_events)
      w->queue.push_back(
          {{"type", "BOOKMARK"},
           {"object",
            {{"kind", t.kind},
             {"apiVersion", t.GroupVersion()},
             {"metadata",
              {{"resourceVersion", std::to_string(rv_)},
               {"annotations", {{"k8s.io/initial-events-end", "true"}}}}}}}});
  } else {
    for (const auto& e : history_)
      if (e.rv > *from_rv) Deliver(*w, e);
    w->last_rv = std::max(w->last_rv, std::min<uint64_t>(*from_rv, rv_));
    if (w->queue.empty()) w->last_rv = std::max<uint64_t>(*from_rv, compacted_rv_);
  }
  watchers_.push_back(w);
  return w;
}

void Store::StopWatch(const std::shared_ptr<Watcher>& w) {
  std::lock_guard<std::mutex> lock(mu_);
  watchers_.remove(w);
}

void Store::CloseAllWatches() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& w : watchers_) {
    w->closed = true;
    w->cv.notify_all();
  }
}

}  // namespace minpriv::apiserver
