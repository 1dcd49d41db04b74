#include "controller/inventory.h"

#include <map>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "controller/resources.h"
#include "spdlog/spdlog.h"

namespace minpriv::controller {
namespace {

using nlohmann::json;

constexpr char kServiceNameLabel[] = "/metadata/labels/kubernetes.io~1service-name";

json WithKindItem(json item, const char* kind) {
  item["apiVersion"] = "v1";
  item["kind"] = kind;
  return item;
}

std::map<std::string, std::string> StringMap(const json& j) {
  std::map<std::string, std::string> out;
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
  return out;
}

// The endpoints of one EndpointSlice as pods of its Service: labels = the Service's selector.
void AddSliceEndpoints(const json& slice, const std::map<std::string, json>& services,
                       remediator::Inventory& inv) {
  const std::string ns = StringAt(slice, "/metadata/namespace");
  const std::string service_name = StringAt(slice, kServiceNameLabel);
  if (service_name.empty()) return;
  auto svc = services.find(ns + "/" + service_name);
  if (svc == services.end()) return;
  std::map<std::string, std::string> selector =
      StringMap(svc->second.value("spec", json::object()).value("selector", json()));
  if (selector.empty()) return;  // endpoints managed by hand: nothing selects their pods
  std::map<std::string, uint32_t> named_ports;
  for (const json& p : slice.value("ports", json::array())) {
    if (!p.is_object() || !p.contains("port") || !p["port"].is_number_integer()) continue;
    const std::string name = p.value("name", "");
    if (!name.empty()) {
      named_ports[absl::StrCat(name, "/", p.value("protocol", "TCP"))] = p["port"].get<uint32_t>();
    }
  }
  for (const json& e : slice.value("endpoints", json::array())) {
    if (!e.is_object()) continue;
    std::string name = StringAt(e, "/targetRef/name");
    if (name.empty()) name = service_name;
    for (const json& address : e.value("addresses", json::array())) {
      if (!address.is_string()) continue;
      const std::string ip = address.get<std::string>();
      if (inv.pods_by_ip.count(ip)) continue;  // the Pod itself is known: its own labels
      remediator::Inventory::PodInfo pod;
      pod.namespace_ = ns;
      pod.name = name;
      pod.labels = selector;
      pod.named_ports = named_ports;
      inv.pods_by_ip[ip] = std::move(pod);
    }
  }
}

}  // namespace

remediator::Inventory BuildInventory(const std::vector<json>& pods,
                                     const std::vector<json>& services,
                                     const std::vector<json>& namespaces,
                                     const std::vector<json>& endpoint_slices) {
  json items = json::array();
  for (const json& p : pods) items.push_back(WithKindItem(p, "Pod"));
  for (const json& s : services) items.push_back(WithKindItem(s, "Service"));
  for (const json& n : namespaces) items.push_back(WithKindItem(n, "Namespace"));
  json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", std::move(items)}};
  absl::StatusOr<remediator::Inventory> inv = remediator::ParseInventory(list.dump(), "cluster");
  if (!inv.ok()) {
    spdlog::warn("inventory unreadable, peers stay unnamed error=\"{}\"",
                 std::string(inv.status().message()));
    inv = remediator::Inventory();
  }
  std::map<std::string, json> by_key;
  for (const json& s : services) {
    by_key[StringAt(s, "/metadata/namespace") + "/" + StringAt(s, "/metadata/name")] = s;
  }
  for (const json& slice : endpoint_slices) AddSliceEndpoints(slice, by_key, *inv);
  return *std::move(inv);
}

std::shared_ptr<const remediator::Inventory> InventoryCache::Get(const InventorySources& sources) {
  const int64_t generation = generation_.load();
  absl::MutexLock lock(&mu_);
  if (inventory_ != nullptr && built_ == generation) return inventory_;
  inventory_ = std::make_shared<const remediator::Inventory>(BuildInventory(
      sources.pods->List(), sources.services->List(), sources.namespaces->List(),
      sources.endpoint_slices != nullptr ? sources.endpoint_slices->List() : std::vector<json>()));
  built_ = generation;
  return inventory_;
}

}  // namespace minpriv::controller
