#include "controller/owners.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace minpriv::controller {
namespace {

using ::testing::ElementsAre;
using nlohmann::json;

json Owned(const std::string& name, const std::string& owner_kind,
           const std::string& owner_name) {
  json o = {{"metadata", {{"name", name}, {"namespace", "shop"}}}};
  if (!owner_kind.empty()) {
    o["metadata"]["ownerReferences"] = json::array(
        {{{"apiVersion", "v1"}, {"kind", owner_kind}, {"name", owner_name}, {"uid", "u"},
          {"controller", true}}});
  }
  return o;
}

class OwnersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    replicasets_.Upsert("shop/web-5d8", Owned("web-5d8", "Deployment", "web"));
    replicasets_.Upsert("shop/bare-rs", Owned("bare-rs", "", ""));
    jobs_.Upsert("shop/backup-29", Owned("backup-29", "CronJob", "backup"));
    jobs_.Upsert("shop/once", Owned("once", "", ""));
    stores_ = {{"ReplicaSet", &replicasets_}, {"Job", &jobs_}};
  }
  kube::Store replicasets_, jobs_;
  WorkloadStores stores_;
};

TEST_F(OwnersTest, FollowsControllerOwnersUpToTheTopWorkload) {
  EXPECT_THAT(OwnerChain(Owned("web-5d8-x", "ReplicaSet", "web-5d8"), stores_),
              ElementsAre(WorkloadKey{"shop", "ReplicaSet", "web-5d8"},
                          WorkloadKey{"shop", "Deployment", "web"}));
  EXPECT_THAT(OwnerChain(Owned("backup-29-x", "Job", "backup-29"), stores_),
              ElementsAre(WorkloadKey{"shop", "Job", "backup-29"},
                          WorkloadKey{"shop", "CronJob", "backup"}));
  EXPECT_THAT(OwnerChain(Owned("once-x", "Job", "once"), stores_),
              ElementsAre(WorkloadKey{"shop", "Job", "once"}));
  EXPECT_THAT(OwnerChain(Owned("bare-rs-x", "ReplicaSet", "bare-rs"), stores_),
              ElementsAre(WorkloadKey{"shop", "ReplicaSet", "bare-rs"}));
  EXPECT_THAT(OwnerChain(Owned("db-0", "StatefulSet", "db"), stores_),
              ElementsAre(WorkloadKey{"shop", "StatefulSet", "db"}));
  EXPECT_THAT(OwnerChain(Owned("agent-x", "DaemonSet", "agent"), stores_),
              ElementsAre(WorkloadKey{"shop", "DaemonSet", "agent"}));
  // A bare pod is its own workload; an owner of another kind (a custom controller) ends it.
  EXPECT_THAT(OwnerChain(Owned("debug", "", ""), stores_),
              ElementsAre(WorkloadKey{"shop", "Pod", "debug"}));
  EXPECT_TRUE(OwnerChain(Owned("x", "Rollout", "r"), stores_).empty());
  // A ReplicaSet not in the cache yet: known as far as it goes.
  EXPECT_THAT(OwnerChain(Owned("new-x", "ReplicaSet", "new"), stores_),
              ElementsAre(WorkloadKey{"shop", "ReplicaSet", "new"}));
}

TEST_F(OwnersTest, ReplicasByOwnerOrByTheSelectorOfAnOrphan) {
  const json deployment = {{"metadata", {{"name", "web"}, {"namespace", "shop"}}},
                           {"spec", {{"selector", {{"matchLabels", {{"app", "web"}}}}}}}};
  const WorkloadKey web{"shop", "Deployment", "web"};
  json owned = Owned("web-5d8-x", "ReplicaSet", "web-5d8");
  EXPECT_TRUE(IsReplicaOf(owned, web, deployment, stores_));
  json orphan = Owned("hand-made", "", "");
  EXPECT_FALSE(IsReplicaOf(orphan, web, deployment, stores_));
  orphan["metadata"]["labels"] = {{"app", "web"}};
  EXPECT_TRUE(IsReplicaOf(orphan, web, deployment, stores_));
  // Labels do not make a pod another controller's replica.
  json other = Owned("other-x", "ReplicaSet", "bare-rs");
  other["metadata"]["labels"] = {{"app", "web"}};
  EXPECT_FALSE(IsReplicaOf(other, web, deployment, stores_));
  EXPECT_TRUE(IsReplicaOf(orphan, {"shop", "Pod", "hand-made"}, orphan, stores_));
}

}  // namespace
}  // namespace minpriv::controller
