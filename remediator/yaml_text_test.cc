// In-place rewriting of manifests: comments and layout survive, only changed values move,
// and anything that cannot be edited with certainty is refused (the caller re-emits).
#include "remediator/yaml_text.h"

#include <iterator>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "remediator/yaml_io.h"

namespace minpriv::remediator {
namespace {

using ::testing::HasSubstr;

std::vector<YAML::Node> Docs(const std::string& text) {
  std::vector<YAML::Node> out;
  for (const YAML::Node& n : YAML::LoadAll(text)) {
    if (n.IsDefined() && !n.IsNull()) out.push_back(n);
  }
  return out;
}

// Rewrites `text` so that it means `want` (the text of the target documents).
absl::StatusOr<std::string> Rewrite(const std::string& text, const std::string& want) {
  std::vector<YAML::Node> originals = Docs(text);
  std::vector<YAML::Node> targets = Docs(want);
  return RewriteYamlText(text, originals, targets);
}

TEST(YamlTextTest, UnchangedTextIsReturnedByteForByte) {
  std::string text = "# top\napiVersion: v1   # trailing\nkind: ConfigMap\n\n\nmetadata: {name: x}\n";
  auto out = Rewrite(text, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, text);
}

TEST(YamlTextTest, NewKeysGoAtTheEndOfTheirMappingAndCommentsStay) {
  std::string text =
      "# Source: chart/templates/deployment.yaml\n"
      "spec:\n"
      "  containers:\n"
      "    - name: web   # the main container\n"
      "      image: \"nginx:1.25\"\n"
      "      # resources are tuned per environment\n"
      "      resources: {}\n"
      "    - name: sidecar\n"
      "      image: 'busybox'\n";
  std::string want =
      "spec:\n"
      "  containers:\n"
      "  - name: web\n"
      "    image: nginx:1.25\n"
      "    resources: {}\n"
      "    securityContext:\n"
      "      readOnlyRootFilesystem: true\n"
      "      capabilities: {drop: [ALL]}\n"
      "  - name: sidecar\n"
      "    image: busybox\n";
  auto out = Rewrite(text, want);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out,
            "# Source: chart/templates/deployment.yaml\n"
            "spec:\n"
            "  containers:\n"
            "    - name: web   # the main container\n"
            "      image: \"nginx:1.25\"\n"
            "      # resources are tuned per environment\n"
            "      resources: {}\n"
            "      securityContext:\n"
            "        readOnlyRootFilesystem: true\n"
            "        capabilities: {drop: [ALL]}\n"
            "    - name: sidecar\n"
            "      image: 'busybox'\n");
}

TEST(YamlTextTest, SmallEditsKeepEverythingElse) {
  struct Case {
    const char* what;
    std::string text, target, want;
  } cases[] = {
      {"a scalar is replaced where it stands, its comment kept",
       "a:\n  privileged: true  # needed once\n  runAsUser: \"0\"\n",
       "a:\n  privileged: false\n  runAsUser: 1000\n",
       "a:\n  privileged: false  # needed once\n  runAsUser: 1000\n"},
      {"a flow collection stays flow when it fits",
       "caps:\n  drop: [NET_RAW]   # CIS 5.2.7\n  add: [\"NET_ADMIN\", SYS_TIME]\n",
       "caps:\n  drop: [ALL]\n  add: [NET_BIND_SERVICE]\n",
       "caps:\n  drop: [ALL]   # CIS 5.2.7\n  add: [NET_BIND_SERVICE]\n"},
      {"removed keys and items take their lines with them",
       "a:\n  keep: 1\n  drop: 2   # gone\n  list:\n    - x\n    - y\n",
       "a:\n  keep: 1\n  list: [x]\n", "a:\n  keep: 1\n  list:\n    - x\n"},
      {"a file without a final newline gets one before additions", "a:\n  b: 1",
       "a:\n  b: 1\n  c: 2\n", "a:\n  b: 1\n  c: 2\n"},
  };
  for (const Case& c : cases) {
    auto out = Rewrite(c.text, c.target);
    ASSERT_TRUE(out.ok()) << c.what << ": " << out.status();
    EXPECT_EQ(*out, c.want) << c.what;
  }
}

TEST(YamlTextTest, AnEmptyOrNullValueBecomesABlockUnderItsKey) {
  std::string text =
      "spec:\n"
      "  securityContext: {}   # filled in by minpriv\n"
      "  volumes:\n"
      "  other: 1\n";
  YAML::Node target = YAML::Load("spec:\n  securityContext: {runAsNonRoot: true}\n  other: 1\n");
  YAML::Node volume = NewMap();
  volume["name"] = Str("tmp");
  volume["emptyDir"] = NewMap();
  YAML::Node volumes = NewSeq();
  volumes.push_back(volume);
  target["spec"]["volumes"] = volumes;
  YAML::Node sc = NewMap();
  sc["runAsNonRoot"] = Bool(true);
  sc["runAsUser"] = Int(101);
  target["spec"]["securityContext"] = sc;
  auto out = RewriteYamlText(text, Docs(text), {target});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out,
            "spec:\n"
            "  securityContext:   # filled in by minpriv\n"
            "    runAsNonRoot: true\n"
            "    runAsUser: 101\n"
            "  volumes:\n"
            "    - name: tmp\n"
            "      emptyDir: {}\n"
            "  other: 1\n");
}

TEST(YamlTextTest, NewSequencesFollowTheDocumentsIndentationStyle) {
  // kubectl's style: sequences at their key's column.
  std::string text =
      "spec:\n"
      "  containers:\n"
      "  - name: web\n"
      "    volumeMounts:\n"
      "    - name: data\n"
      "      mountPath: /data\n";
  std::string want =
      "spec:\n"
      "  containers:\n"
      "  - name: web\n"
      "    volumeMounts:\n"
      "    - {name: data, mountPath: /data}\n"
      "    - {name: tmp, mountPath: /tmp}\n"
      "  volumes:\n"
      "  - {name: tmp, emptyDir: {}}\n";
  std::vector<YAML::Node> targets = Docs(want);
  // Block style for what is added, as the proposer builds it.
  for (YAML::Node item : targets[0]["spec"]["containers"][0]["volumeMounts"]) {
    item.SetStyle(YAML::EmitterStyle::Block);
  }
  targets[0]["spec"]["volumes"][0].SetStyle(YAML::EmitterStyle::Block);
  auto out = RewriteYamlText(text, Docs(text), targets);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out,
            "spec:\n"
            "  containers:\n"
            "  - name: web\n"
            "    volumeMounts:\n"
            "    - name: data\n"
            "      mountPath: /data\n"
            "    - name: tmp\n"
            "      mountPath: /tmp\n"
            "  volumes:\n"
            "  - name: tmp\n"
            "    emptyDir: {}\n");
}

TEST(YamlTextTest, OnlyTheChangedDocumentOfAStreamIsTouched) {
  std::string first = "---\n# a config map, left alone\nkind: ConfigMap\ndata:\n  k: |\n    text\n";
  std::string second = "---\nkind: Pod   # the workload\nspec:\n  hostNetwork: false\n";
  std::string text = first + second;
  auto out = Rewrite(text, "kind: ConfigMap\ndata: {k: \"text\\n\"}\n---\nkind: Pod\nspec:\n  hostNetwork: false\n  x: y\n");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, first + second + "  x: y\n");
}

TEST(YamlTextTest, StringsThatLookLikeOtherTypesAreQuoted) {
  std::string text = "metadata:\n  name: x\n";
  YAML::Node target = YAML::Load(text);
  YAML::Node labels = NewMap();
  labels["version"] = Str("1.25");
  labels["enabled"] = Str("true");
  target["metadata"]["labels"] = labels;
  auto out = RewriteYamlText(text, Docs(text), {target});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, "metadata:\n  name: x\n  labels:\n    version: \"1.25\"\n    enabled: \"true\"\n");
}

TEST(YamlTextTest, WhatCannotBeEditedWithCertaintyIsRefusedNotGuessed) {
  struct Case {
    std::string text, want, why;
  } cases[] = {
      // An alias would follow the edit; refused before (the anchor shifts the mapping's
      // position) or, failing that, by reading the result back.
      {"base: &b\n  x: 1\nother: *b\n", "base: {x: 2}\nother: {x: 1}\n", ""},
      // The anchor on its own line: the mapping's keys line up, the alias would be edited
      // twice.
      {"a:\n  sc:\n    &sc\n    k: 1\nb:\n  sc: *sc\n", "a: {sc: {k: 1, n: 2}}\nb: {sc: {k: 1, n: 3}}\n",
       "anchors and aliases"},
      {"a:\r\n  b: 1\r\n", "a: {b: 2}\n", "CRLF"},
      {"%YAML 1.2\n---\na: {b: 1}\n", "a: {b: 2}\n", "directive"},
      {"a: plain text\n  continued\n", "a: other\n", "read back"},
      {"a:\n  b: 1\n", "a: [1]\n", "changes kind"},
  };
  for (const Case& c : cases) {
    auto out = Rewrite(c.text, c.want);
    ASSERT_FALSE(out.ok()) << c.text << " gave:\n" << *out;
    EXPECT_EQ(out.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(out.status().message()), HasSubstr(c.why)) << c.text;
  }
}

TEST(YamlTextTest, EveryResultMeansExactlyTheTarget) {
  // A walk over many small edits of a realistic manifest: whenever a rewrite is returned, it
  // parses back to the target; whenever it is refused, the reason says why.
  std::string text =
      "apiVersion: apps/v1\n"
      "kind: Deployment   # web tier\n"
      "metadata:\n"
      "  name: web\n"
      "  labels: {app: web, tier: \"1\"}\n"
      "spec:\n"
      "  template:\n"
      "    spec:\n"
      "      securityContext:\n"
      "        fsGroup: 101\n"
      "      containers:\n"
      "      - name: web\n"
      "        image: nginx\n"
      "        ports:\n"
      "        - containerPort: 8080   # http\n"
      "        securityContext: {}\n"
      "      volumes: []\n";
  YAML::Node base = YAML::Load(text);
  const char* edits[] = {
      "spec.template.spec.securityContext.runAsNonRoot",
      "spec.template.spec.containers.0.securityContext.readOnlyRootFilesystem",
      "spec.template.spec.containers.0.ports.0.containerPort",
      "spec.template.spec.volumes",
      "metadata.labels.tier",
      "metadata.annotations",
      "kind",
  };
  int rewritten = 0;
  for (unsigned mask = 1; mask < (1u << std::size(edits)); ++mask) {
    YAML::Node target = YAML::Clone(base);
    for (size_t i = 0; i < std::size(edits); ++i) {
      if (!(mask & (1u << i))) continue;
      std::vector<std::string> path;
      std::string part;
      for (char c : std::string(edits[i])) {
        if (c == '.') {
          path.push_back(part);
          part.clear();
        } else {
          part += c;
        }
      }
      YAML::Node n = target;
      for (const std::string& p : path) {
        n.reset(n.IsSequence() ? n[std::stoul(p)] : n[p]);
      }
      if (part == "volumes") {
        YAML::Node v = NewMap();
        v["name"] = Str("tmp");
        v["emptyDir"] = NewMap();
        YAML::Node seq = NewSeq();
        seq.push_back(v);
        n[part] = seq;
      } else if (part == "containerPort") {
        n[part] = Int(9090);
      } else if (part == "annotations") {
        n[part] = NewMap();
        n[part]["minpriv.dev/profile"] = Str("web");
      } else if (part == "tier") {
        n[part] = Str("2");
      } else if (part == "kind") {
        n[part] = Str("StatefulSet");
      } else {
        n[part] = Bool(true);
      }
    }
    auto out = RewriteYamlText(text, {base}, {target});
    ASSERT_TRUE(out.ok()) << mask << ": " << out.status();
    EXPECT_TRUE(SameYamlValue(YAML::Load(*out), target)) << *out;
    EXPECT_THAT(*out, HasSubstr("# web tier")) << *out;
    EXPECT_THAT(*out, HasSubstr("# http")) << *out;
    ++rewritten;
  }
  EXPECT_EQ(rewritten, 127);
}

}  // namespace
}  // namespace minpriv::remediator
