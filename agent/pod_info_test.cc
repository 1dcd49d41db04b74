#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/owner_resolver.h"
#include "agent/pod_info.h"

namespace minpriv::agent {
namespace {

using nlohmann::json;

json Pod(const std::string& uid, json owners, json status) {
  return {{"metadata",
           {{"name", "web-1"}, {"namespace", "shop"}, {"uid", uid}, {"ownerReferences", owners}}},
          {"spec", {{"nodeName", "node-a"}}},
          {"status", status}};
}

TEST(ContainerIdFromStatus, StripsTheRuntimeScheme) {
  EXPECT_EQ(ContainerIdFromStatus("containerd://abc"), "abc");
  EXPECT_EQ(ContainerIdFromStatus("cri-o://def"), "def");
  EXPECT_EQ(ContainerIdFromStatus("docker://123"), "123");
  EXPECT_EQ(ContainerIdFromStatus("abc"), "");
  EXPECT_EQ(ContainerIdFromStatus("://abc"), "");
}

TEST(ParsePod, ReadsEveryKindOfContainerStatusAndTheControllerOwner) {
  json owners = json::array(
      {{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", "x"}},
       {{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"name", "web-rs"}, {"controller", true}}});
  json status = {
      {"initContainerStatuses", json::array({{{"name", "init"}, {"containerID", "containerd://i1"}}})},
      {"containerStatuses",
       json::array({{{"name", "app"},
                     {"containerID", "containerd://a2"},
                     {"lastState", {{"terminated", {{"containerID", "containerd://a1"}}}}}},
                    {{"name", "waiting"}}})},
      {"ephemeralContainerStatuses",
       json::array({{{"name", "debug"}, {"containerID", "cri-o://e1"}}})}};
  PodInfo p = ParsePod(Pod("u1", owners, status));
  EXPECT_EQ(p.ns, "shop");
  EXPECT_EQ(p.name, "web-1");
  EXPECT_EQ(p.uid, "u1");
  EXPECT_EQ(p.node, "node-a");
  EXPECT_EQ(p.owner, (OwnerRef{"apps/v1", "ReplicaSet", "web-rs"}));
  EXPECT_EQ(p.containers, (std::map<std::string, std::string>{
                              {"a1", "app"}, {"a2", "app"}, {"e1", "debug"}, {"i1", "init"}}));
}

TEST(ParsePod, MalformedFieldsAreIgnored) {
  PodInfo p = ParsePod(json{{"metadata", {{"uid", 5}, {"ownerReferences", "x"}}},
                            {"status", {{"containerStatuses", json::array({1, "x", json::object()})}}}});
  EXPECT_EQ(p.uid, "");
  EXPECT_FALSE(p.owner.has_value());
  EXPECT_TRUE(p.containers.empty());
  EXPECT_EQ(ParsePod(json()).uid, "");
}

TEST(PodIndex, AccumulatesContainerIdsAndKeepsDeletedPodsForTheRetention) {
  PodIndex index(absl::Seconds(60));
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  auto status = [](const std::string& id) {
    return json{{"containerStatuses",
                 json::array({{{"name", "app"}, {"containerID", "containerd://" + id}}})}};
  };
  index.Update({Pod("u1", json::array(), status("a1"))}, t0);
  index.Update({Pod("u1", json::array(), status("a2"))}, t0);
  ASSERT_NE(index.Find("u1"), nullptr);
  EXPECT_EQ(index.Find("u1")->containers.size(), 2u);
  index.Update({}, t0 + absl::Seconds(10));  // deleted
  EXPECT_NE(index.Find("u1"), nullptr);
  index.Update({}, t0 + absl::Seconds(71));
  EXPECT_EQ(index.Find("u1"), nullptr);
  EXPECT_EQ(index.size(), 0u);
}

class OwnerResolverTest : public ::testing::Test {
 protected:
  OwnerResolver resolver_{[this](const kube::ResourceRef& ref, const std::string& ns,
                                 const std::string& name) -> absl::StatusOr<json> {
    ++reads_[ref.resource + "/" + name];
    if (fail_) return absl::UnavailableError("down");
    auto it = objects_.find(ref.resource + "/" + ns + "/" + name);
    if (it == objects_.end()) return absl::NotFoundError("not found");
    return it->second;
  }};
  static json Owned(const std::string& kind, const std::string& name, const std::string& api) {
    return {{"metadata",
             {{"ownerReferences", json::array({{{"apiVersion", api},
                                                {"kind", kind},
                                                {"name", name},
                                                {"controller", true}}})}}}};
  }
  static PodInfo PodOwnedBy(const std::string& kind, const std::string& name,
                            const std::string& api) {
    PodInfo p;
    p.ns = "shop";
    p.name = "p";
    if (!kind.empty()) p.owner = OwnerRef{api, kind, name};
    return p;
  }
  std::map<std::string, json> objects_;
  std::map<std::string, int> reads_;
  bool fail_ = false;
};

TEST_F(OwnerResolverTest, FollowsReplicaSetsToDeploymentsAndJobsToCronJobs) {
  objects_["replicasets/shop/web-rs"] = Owned("Deployment", "web", "apps/v1");
  objects_["jobs/shop/nightly-1"] = Owned("CronJob", "nightly", "batch/v1");
  EXPECT_EQ(*resolver_.Resolve(PodOwnedBy("ReplicaSet", "web-rs", "apps/v1")),
            (WorkloadRef{"shop", "Deployment", "web", "apps/v1"}));
  EXPECT_EQ(*resolver_.Resolve(PodOwnedBy("ReplicaSet", "web-rs", "apps/v1")),
            (WorkloadRef{"shop", "Deployment", "web", "apps/v1"}));
  EXPECT_EQ(reads_["replicasets/web-rs"], 1);  // cached
  EXPECT_EQ(*resolver_.Resolve(PodOwnedBy("Job", "nightly-1", "batch/v1")),
            (WorkloadRef{"shop", "CronJob", "nightly", "batch/v1"}));
}

TEST_F(OwnerResolverTest, DirectOwnersBarePodsAndVanishedIntermediates) {
  EXPECT_EQ(*resolver_.Resolve(PodOwnedBy("StatefulSet", "db", "apps/v1")),
            (WorkloadRef{"shop", "StatefulSet", "db", "apps/v1"}));
  EXPECT_EQ(*resolver_.Resolve(PodOwnedBy("DaemonSet", "log", "apps/v1")),
            (WorkloadRef{"shop", "DaemonSet", "log", "apps/v1"}));
  EXPECT_EQ(*resolver_.Resolve(PodOwnedBy("", "", "")), (WorkloadRef{"shop", "Pod", "p", "v1"}));
  EXPECT_EQ(*resolver_.Resolve(PodOwnedBy("Node", "node-a", "v1")),
            (WorkloadRef{"shop", "Pod", "p", "v1"}));  // a static pod
  // A ReplicaSet without a Deployment, or already deleted: the ReplicaSet itself.
  EXPECT_EQ(*resolver_.Resolve(PodOwnedBy("ReplicaSet", "gone", "apps/v1")),
            (WorkloadRef{"shop", "ReplicaSet", "gone", "apps/v1"}));
}

TEST_F(OwnerResolverTest, ReadErrorsAreReturnedAndNotCached) {
  fail_ = true;
  EXPECT_TRUE(absl::IsUnavailable(resolver_.Resolve(PodOwnedBy("ReplicaSet", "web-rs", "apps/v1")).status()));
  fail_ = false;
  objects_["replicasets/shop/web-rs"] = Owned("Deployment", "web", "apps/v1");
  EXPECT_EQ(resolver_.Resolve(PodOwnedBy("ReplicaSet", "web-rs", "apps/v1"))->kind, "Deployment");
}

}  // namespace
}  // namespace minpriv::agent
