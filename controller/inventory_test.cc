#include "controller/inventory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace minpriv::controller {
namespace {

using nlohmann::json;

json Service(const std::string& ns, const std::string& name, json selector) {
  return {{"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec", {{"clusterIP", "10.96.0.9"}, {"selector", selector},
                    {"ports", json::array({{{"port", 5432}, {"targetPort", "pg"}}})}}}};
}

json Slice(const std::string& ns, const std::string& service, std::vector<std::string> ips) {
  json endpoints = json::array();
  for (const std::string& ip : ips) {
    endpoints.push_back({{"addresses", json::array({ip})},
                         {"targetRef", {{"kind", "Pod"}, {"name", service + "-0"}}}});
  }
  return {{"metadata",
           {{"name", service + "-abcde"},
            {"namespace", ns},
            {"labels", {{"kubernetes.io/service-name", service}}}}},
          {"addressType", "IPv4"},
          {"endpoints", endpoints},
          {"ports", json::array({{{"name", "pg"}, {"port", 5432}, {"protocol", "TCP"}}})}};
}

TEST(InventoryTest, EndpointSliceAddressesArePodsOfTheirServicesSelector) {
  json known_pod = {{"metadata", {{"name", "db-1"}, {"namespace", "data"},
                                  {"labels", {{"app", "db"}, {"replica", "1"}}}}},
                    {"spec", {{"containers", json::array()}}},
                    {"status", {{"podIP", "10.1.2.4"}}}};
  remediator::Inventory inv = BuildInventory(
      {known_pod}, {Service("data", "db", {{"app", "db"}}), Service("data", "manual", json())},
      {{{"metadata", {{"name", "data"}, {"labels", {{"team", "storage"}}}}}}},
      {Slice("data", "db", {"10.1.2.3", "10.1.2.4"}), Slice("data", "manual", {"10.9.9.9"}),
       Slice("data", "gone", {"10.8.8.8"})});
  ASSERT_TRUE(inv.pods_by_ip.count("10.1.2.3"));
  const auto& pod = inv.pods_by_ip.at("10.1.2.3");
  EXPECT_EQ(pod.namespace_, "data");
  EXPECT_EQ(pod.name, "db-0");
  EXPECT_EQ(pod.labels, (std::map<std::string, std::string>{{"app", "db"}}));
  EXPECT_EQ(pod.named_ports.at("pg/TCP"), 5432u);
  // A pod the cache has keeps its own labels; selector-less Services and slices of unknown
  // Services name nothing.
  EXPECT_EQ(inv.pods_by_ip.at("10.1.2.4").labels.at("replica"), "1");
  EXPECT_FALSE(inv.pods_by_ip.count("10.9.9.9"));
  EXPECT_FALSE(inv.pods_by_ip.count("10.8.8.8"));
  EXPECT_EQ(inv.services_by_ip.at("10.96.0.9").name, "manual");  // the last one wins the IP
  EXPECT_EQ(inv.namespace_labels.at("data").at("team"), "storage");
}

TEST(InventoryTest, TheCacheRebuildsOnlyAfterInvalidate) {
  kube::Store pods, services, namespaces, slices;
  services.Upsert("data/db", Service("data", "db", {{"app", "db"}}));
  InventoryCache cache;
  InventorySources sources{&pods, &services, &namespaces, &slices};
  auto first = cache.Get(sources);
  EXPECT_TRUE(first->pods_by_ip.empty());
  slices.Upsert("data/db-abcde", Slice("data", "db", {"10.1.2.3"}));
  EXPECT_EQ(cache.Get(sources), first);
  cache.Invalidate();
  auto second = cache.Get(sources);
  EXPECT_NE(second, first);
  EXPECT_TRUE(second->pods_by_ip.count("10.1.2.3"));
}

}  // namespace
}  // namespace minpriv::controller
