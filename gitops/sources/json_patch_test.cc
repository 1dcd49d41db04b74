// RFC 6902 ops replayed on YAML documents, idempotently.
#include "gitops/sources/json_patch.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "remediator/yaml_io.h"

namespace minpriv::gitops {
namespace {

using json = nlohmann::ordered_json;
using ::testing::HasSubstr;

YAML::Node Apply(const std::string& yaml, const json& ops, absl::Status* status = nullptr) {
  YAML::Node root = remediator::DeepCopy(YAML::Load(yaml));
  absl::Status s = ApplyOps(root, ops);
  if (status != nullptr) *status = s;
  EXPECT_TRUE(status != nullptr || s.ok()) << s;
  return root;
}

bool Same(const YAML::Node& a, const std::string& b) { return remediator::NodesEqual(a, YAML::Load(b)); }

TEST(JsonPatchTest, AddReplaceRemoveAndInsertInTheMiddle) {
  json ops = json::parse(R"([
    {"op": "add", "path": "/a/b", "value": {"c": [1, "2"]}},
    {"op": "replace", "path": "/list/0", "value": "x"},
    {"op": "add", "path": "/list/1", "value": "mid"},
    {"op": "remove", "path": "/gone"},
    {"op": "add", "path": "/list/-", "value": "end"},
    {"op": "add", "path": "/k~1v", "value": true}])");
  YAML::Node out = Apply("a: {}\nlist: [p, q]\ngone: 1\n", ops);
  EXPECT_TRUE(Same(out, "a: {b: {c: [1, '2']}}\nlist: [x, mid, q, end]\nk/v: true\n"))
      << remediator::EmitYaml(out);
  EXPECT_EQ(out["a"]["b"]["c"][1].Tag(), "!");  // a JSON string stays a string
}

TEST(JsonPatchTest, ReplayingOnTheResultChangesNothing) {
  json ops = json::parse(R"([
    {"op": "add", "path": "/mounts/1", "value": {"name": "tmp", "mountPath": "/tmp"}},
    {"op": "add", "path": "/volumes", "value": [{"name": "tmp"}]},
    {"op": "remove", "path": "/old"}])");
  YAML::Node once = Apply("mounts: [{name: a, mountPath: /a}]\nold: 1\n", ops);
  YAML::Node twice = remediator::DeepCopy(once);
  ASSERT_TRUE(ApplyOps(twice, ops).ok());
  EXPECT_TRUE(remediator::NodesEqual(once, twice)) << remediator::EmitYaml(twice);
  // An array added onto an existing one keeps what is there and appends what is missing.
  YAML::Node merged = Apply("volumes: [{name: data}]\n", json::parse(R"([
    {"op": "add", "path": "/volumes", "value": [{"name": "tmp"}]}])"));
  EXPECT_TRUE(Same(merged, "volumes: [{name: data}, {name: tmp}]\n"));
}

TEST(JsonPatchTest, UnsupportedOrMisplacedOpsAreInvalidArgument) {
  absl::Status s;
  Apply("a: 1\n", json::parse(R"([{"op": "move", "from": "/a", "path": "/b"}])"), &s);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("\"move\" is not supported"));
  Apply("a: 1\n", json::parse(R"([{"op": "add", "path": "/x/y", "value": 1}])"), &s);
  EXPECT_THAT(s.message(), HasSubstr("the parent of /x/y does not exist"));
  Apply("a: [1]\n", json::parse(R"([{"op": "add", "path": "/a/5", "value": 2}])"), &s);
  EXPECT_THAT(s.message(), HasSubstr("past the end"));
  Apply("a: 1\n", json::parse(R"([{"op": "replace", "path": "/b", "value": 1}])"), &s);
  EXPECT_THAT(s.message(), HasSubstr("/b does not exist"));
  EXPECT_FALSE(SplitPointer("a/b").ok());
}

}  // namespace
}  // namespace minpriv::gitops
