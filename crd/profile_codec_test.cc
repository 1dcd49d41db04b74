#include "crd/profile_codec.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "crd/capabilities.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/files.h"

namespace minpriv::crd {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

WorkloadProfile FullProfile() {
  WorkloadProfile p;
  p.name = "shop-api";
  p.namespace_ = "shop";
  ContainerProfile c;
  c.name = "api";
  c.syscalls = {"write", "accept4", "bind", "openat", "read"};
  c.capabilities = {"NET_BIND_SERVICE", "CHOWN"};
  c.capability_evidence = {
      {"NET_BIND_SERVICE", "__inet_bind", "/usr/sbin/nginx", 1, "2026-01-31T12:00:01.250Z", false},
      {"CHOWN", "setattr_prepare", "chown", 2, "2026-01-31T12:00:02.000Z", true},
  };
  FileWrite logs;
  logs.path = "/var/log/app";
  logs.ops = {"write", "create"};
  logs.count = 40;
  logs.first_seen = "2026-01-31T12:00:00.500Z";
  logs.summarized = true;
  logs.examples = {"/var/log/app/b.log", "/var/log/app/a.log"};
  FileWrite pid;
  pid.path = "/run/app.pid";
  pid.ops = {"create", "write", "truncate"};
  pid.count = 1;
  pid.first_seen = "2026-01-31T12:00:00.100Z";
  c.file_writes = {logs, pid};
  c.execs = {{"/usr/sbin/nginx", false, 1, "2026-01-31T12:00:00.000Z"},
             {"/usr/bin/sudo", true, 3, "2026-01-31T12:00:05.000Z"}};
  c.users = {{101, 101}, {0, 0}};
  c.network.listen = {{8080, "TCP", "0.0.0.0"}, {53, "UDP", ""}};
  c.network.ingress = {{"10.0.0.7", 8080, "TCP", 12, "2026-01-31T12:00:03.000Z"}};
  c.network.egress = {{"10.0.0.9", 6379, "TCP", 4, "2026-01-31T12:00:03.500Z"},
                      {"fd00::9", 53, "UDP", 2, "2026-01-31T12:00:03.400Z"}};
  c.network.dns = {"cache.shop.svc.cluster.local", "api.example.com"};
  ContainerProfile side;
  side.name = "sidecar";
  side.syscalls = {"read"};
  p.containers = {side, c};
  p.status.window = {"2026-01-31T12:00:00.000Z", "2026-01-31T12:10:00.000Z"};
  p.status.complete = false;
  p.status.incomplete_reasons = {"3 events were dropped"};
  p.status.dropped_events = 3;
  p.status.warnings = {"no cap_capable tracepoint"};
  return p;
}

constexpr char kMinimal[] = R"(apiVersion: minpriv.dev/v1alpha1
kind: WorkloadProfile
metadata:
  name: m
spec:
  containers:
  - name: c
    syscalls: [read]
)";

std::string ErrorOf(const std::string& yaml) {
  auto p = ParseWorkloadProfile(yaml, "in.yaml");
  EXPECT_FALSE(p.ok()) << yaml;
  if (p.ok()) return "";
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(p.status().message());
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  size_t pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

TEST(CapabilitiesTest, TableBothWays) {
  EXPECT_STREQ(CapabilityName(0), "CHOWN");
  EXPECT_STREQ(CapabilityName(10), "NET_BIND_SERVICE");
  EXPECT_STREQ(CapabilityName(21), "SYS_ADMIN");
  EXPECT_STREQ(CapabilityName(40), "CHECKPOINT_RESTORE");
  EXPECT_EQ(CapabilityName(41), nullptr);
  for (uint32_t i = 0; i < CapabilityCount(); ++i) {
    EXPECT_EQ(CapabilityNumber(CapabilityName(i)), i);
  }
  EXPECT_FALSE(CapabilityNumber("CAP_CHOWN").has_value());
  EXPECT_FALSE(CapabilityNumber("chown").has_value());
}

TEST(ProfileCodecTest, GoldenFullProfile) {
  std::string golden_path = std::string(MINPRIV_CRD_TESTDATA) + "/full_profile.yaml";
  std::string emitted = EmitWorkloadProfile(FullProfile());
  if (std::getenv("MINPRIV_UPDATE_GOLDEN")) {
    ASSERT_TRUE(util::WriteFileAtomic(golden_path, emitted).ok());
  }
  auto golden = util::ReadFile(golden_path);
  ASSERT_TRUE(golden.ok()) << golden.status();
  EXPECT_EQ(emitted, *golden);
}

TEST(ProfileCodecTest, RoundTripIsIdentity) {
  WorkloadProfile p = FullProfile();
  std::string once = EmitWorkloadProfile(p);
  auto parsed = ParseWorkloadProfile(once, "mem");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  WorkloadProfile canonical = p;
  Canonicalize(canonical);
  EXPECT_EQ(*parsed, canonical);
  EXPECT_EQ(EmitWorkloadProfile(*parsed), once);
}

TEST(ProfileCodecTest, EmptyContainerRoundTripsWithEmptyLists) {
  WorkloadProfile p;
  p.name = "e";
  ContainerProfile c;
  c.name = "c";
  p.containers.push_back(c);
  std::string text = EmitWorkloadProfile(p);
  EXPECT_THAT(text, HasSubstr("syscalls: []"));
  EXPECT_THAT(text, HasSubstr("dns: []"));
  EXPECT_THAT(text, HasSubstr("fileWrites: []"));
  auto parsed = ParseWorkloadProfile(text, "mem");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, p);
}

TEST(ProfileCodecTest, QuotesStringsThatLookLikeOtherTypes) {
  WorkloadProfile p;
  p.name = "123";
  ContainerProfile c;
  c.name = "true";
  c.capability_evidence = {{"CHOWN", "f", "null", 1, "", false}};
  p.containers = {c};
  std::string text = EmitWorkloadProfile(p);
  EXPECT_THAT(text, HasSubstr("name: \"123\""));
  EXPECT_THAT(text, HasSubstr("name: \"true\""));
  EXPECT_THAT(text, HasSubstr("binary: \"null\""));
  auto parsed = ParseWorkloadProfile(text, "mem");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, p);
}

TEST(ProfileCodecTest, SpecialCharactersRoundTrip) {
  WorkloadProfile p;
  p.name = "n";
  ContainerProfile c;
  c.name = "c";
  FileWrite f;
  f.path = "/tmp/a file: with # odd \"chars\", [x] {y} & * !";
  f.ops = {"write"};
  f.count = 1;
  c.file_writes = {f};
  c.network.listen = {{80, "TCP", "::"}};
  p.containers = {c};
  auto parsed = ParseWorkloadProfile(EmitWorkloadProfile(p), "mem");
  ASSERT_TRUE(parsed.ok()) << parsed.status() << EmitWorkloadProfile(p);
  EXPECT_EQ(*parsed, p);
}

TEST(ProfileCodecTest, CanonicalizeMergesDuplicates) {
  WorkloadProfile p;
  p.name = "n";
  ContainerProfile c;
  c.name = "c";
  c.syscalls = {"read", "read", "close"};
  FileWrite a{"/x", {"write"}, 2, "2026-01-01T00:00:02.000Z", false, {}};
  FileWrite b{"/x", {"create", "write"}, 3, "2026-01-01T00:00:01.000Z", false, {}};
  c.file_writes = {a, b};
  c.network.egress = {{"1.2.3.4", 80, "TCP", 1, "2026-01-01T00:00:05.000Z"},
                      {"1.2.3.4", 80, "TCP", 1, ""}};
  p.containers = {c};
  Canonicalize(p);
  const ContainerProfile& got = p.containers[0];
  EXPECT_EQ(got.syscalls, (std::vector<std::string>{"close", "read"}));
  ASSERT_EQ(got.file_writes.size(), 1u);
  EXPECT_EQ(got.file_writes[0].count, 5u);
  EXPECT_EQ(got.file_writes[0].first_seen, "2026-01-01T00:00:01.000Z");
  EXPECT_EQ(got.file_writes[0].ops, (std::vector<std::string>{"create", "write"}));
  ASSERT_EQ(got.network.egress.size(), 1u);
  EXPECT_EQ(got.network.egress[0].count, 2u);
  EXPECT_EQ(got.network.egress[0].first_seen, "2026-01-01T00:00:05.000Z");
}

TEST(ProfileCodecTest, MergeProfilesUnitesReplicas) {
  WorkloadProfile a, b;
  a.name = b.name = "web";
  b.namespace_ = "shop";
  ContainerProfile ca, cb, side;
  ca.name = cb.name = "app";
  side.name = "sidecar";
  ca.syscalls = {"read", "write"};
  cb.syscalls = {"ptrace", "read"};
  ca.capabilities = {"CHOWN"};
  ca.network.egress = {{"10.0.0.9", 6379, "TCP", 3, "2026-01-01T00:00:09.000Z"}};
  cb.network.egress = {{"10.0.0.9", 6379, "TCP", 4, "2026-01-01T00:00:04.000Z"}};
  side.syscalls = {"nanosleep"};
  a.containers = {ca};
  b.containers = {cb, side};
  a.status.window = {"2026-01-01T00:00:00.000Z", "2026-01-01T00:10:00.000Z"};
  b.status.window = {"2026-01-01T00:05:00.000Z", "2026-01-01T00:20:00.000Z"};
  b.status.complete = false;
  b.status.incomplete_reasons = {"3 events dropped"};
  a.status.dropped_events = 0;
  b.status.dropped_events = 3;
  WorkloadProfile m = MergeProfiles({a, b});
  EXPECT_EQ(m.name, "web");
  EXPECT_EQ(m.namespace_, "shop");
  ASSERT_EQ(m.containers.size(), 2u);
  EXPECT_EQ(m.containers[0].name, "app");
  EXPECT_EQ(m.containers[0].syscalls, (std::vector<std::string>{"ptrace", "read", "write"}));
  EXPECT_EQ(m.containers[0].capabilities, (std::vector<std::string>{"CHOWN"}));
  ASSERT_EQ(m.containers[0].network.egress.size(), 1u);
  EXPECT_EQ(m.containers[0].network.egress[0].count, 7u);
  EXPECT_EQ(m.containers[0].network.egress[0].first_seen, "2026-01-01T00:00:04.000Z");
  EXPECT_EQ(m.containers[1].name, "sidecar");
  EXPECT_EQ(m.status.window.start, "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(m.status.window.end, "2026-01-01T00:20:00.000Z");
  EXPECT_FALSE(m.status.complete);
  EXPECT_EQ(m.status.dropped_events, 3u);
  EXPECT_EQ(m.status.incomplete_reasons, (std::vector<std::string>{"3 events dropped"}));
  // Order does not matter.
  WorkloadProfile r = MergeProfiles({b, a});
  EXPECT_EQ(r, m);
}

TEST(ProfileCodecTest, ParsesMinimalDocumentWithDefaults) {
  auto p = ParseWorkloadProfile(kMinimal, "in.yaml");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->name, "m");
  ASSERT_EQ(p->containers.size(), 1u);
  EXPECT_EQ(p->containers[0].syscalls, std::vector<std::string>{"read"});
  EXPECT_TRUE(p->status.complete);
}

TEST(ProfileCodecTest, AcceptsTimestampAndXattrOps) {
  auto p = ParseWorkloadProfile(
      Replace(kMinimal, "syscalls: [read]",
              "fileWrites: [{path: /data/f, ops: [utime, write, xattr], count: 2}]"),
      "in.yaml");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->containers[0].file_writes[0].ops,
            (std::vector<std::string>{"utime", "write", "xattr"}));
}

TEST(ProfileCodecErrorsTest, UnknownSyscallHasPositionAndFix) {
  std::string msg = ErrorOf(Replace(kMinimal, "[read]", "[read, reed]"));
  EXPECT_EQ(msg, "in.yaml:8:22: unknown syscall 'reed'; use an x86_64 Linux syscall name "
                 "such as openat or accept4");
}

TEST(ProfileCodecErrorsTest, UnknownField) {
  std::string msg = ErrorOf(Replace(kMinimal, "    syscalls", "    syscals"));
  EXPECT_THAT(msg, StartsWith("in.yaml:8:5: unknown field 'syscals' in spec.containers[]"));
  EXPECT_THAT(msg, HasSubstr("allowed: name, syscalls"));
}

TEST(ProfileCodecErrorsTest, WrongKindAndApiVersion) {
  EXPECT_THAT(ErrorOf(Replace(kMinimal, "kind: WorkloadProfile", "kind: Pod")),
              StartsWith("in.yaml:2:7: unsupported kind 'Pod'; write kind: WorkloadProfile"));
  EXPECT_THAT(ErrorOf(Replace(kMinimal, "v1alpha1", "v2")),
              StartsWith("in.yaml:1:13: unsupported apiVersion 'minpriv.dev/v2'"));
}

TEST(ProfileCodecErrorsTest, CapabilityWithPrefixSuggestsSpelling) {
  std::string msg = ErrorOf(Replace(kMinimal, "syscalls: [read]", "capabilities: [CAP_CHOWN]"));
  EXPECT_EQ(msg, "in.yaml:8:20: capability 'CAP_CHOWN' is not a Linux capability; write CHOWN");
}

TEST(ProfileCodecErrorsTest, RelativePath) {
  std::string msg = ErrorOf(Replace(kMinimal, "syscalls: [read]",
                                    "fileWrites: [{path: tmp/x, ops: [write], count: 1}]"));
  EXPECT_THAT(msg, StartsWith("in.yaml:8:25: fileWrites path 'tmp/x' is not an absolute path"));
}

TEST(ProfileCodecErrorsTest, BadPortAndProtocolAndIp) {
  EXPECT_THAT(ErrorOf(Replace(kMinimal, "syscalls: [read]",
                              "network: {listen: [{port: 70000, protocol: TCP}]}")),
              HasSubstr("in.yaml:8:31: port must be a port number from 1 to 65535"));
  EXPECT_THAT(ErrorOf(Replace(kMinimal, "syscalls: [read]",
                              "network: {listen: [{port: 0, protocol: TCP}]}")),
              HasSubstr("port must be a port number from 1 to 65535"));
  EXPECT_THAT(ErrorOf(Replace(kMinimal, "syscalls: [read]",
                              "network: {listen: [{port: 80, protocol: SCTP}]}")),
              HasSubstr("'SCTP' is not a known protocol; write TCP or UDP"));
  EXPECT_THAT(ErrorOf(Replace(kMinimal, "syscalls: [read]",
                              "network: {egress: [{ip: 10.0.0.300, port: 80, protocol: TCP}]}")),
              HasSubstr("'10.0.0.300' is not an IPv4 or IPv6 address"));
}

TEST(ProfileCodecErrorsTest, WrongTypes) {
  EXPECT_THAT(ErrorOf(Replace(kMinimal, "syscalls: [read]", "syscalls: read")),
              StartsWith("in.yaml:8:15: syscalls must be a list"));
  EXPECT_THAT(ErrorOf(Replace(kMinimal, "syscalls: [read]", "users: [{uid: -1, gid: 0}]")),
              HasSubstr("uid must be a whole number"));
  EXPECT_THAT(ErrorOf(Replace(kMinimal, "syscalls: [read]", "users: [{uid: \"5\", gid: 0}]")),
              HasSubstr("uid must be a whole number"));
  EXPECT_THAT(ErrorOf(std::string(kMinimal) + "status: {complete: yes}\n"),
              HasSubstr("complete must be true or false"));
  EXPECT_THAT(ErrorOf(std::string(kMinimal) + "status: {window: {start: yesterday}}\n"),
              HasSubstr("window.start 'yesterday' is not an RFC3339 time"));
}

TEST(ProfileCodecErrorsTest, MalformedYaml) {
  std::string msg = ErrorOf("apiVersion: [unclosed\nkind: x\n");
  EXPECT_THAT(msg, StartsWith("in.yaml:"));
  EXPECT_THAT(msg, HasSubstr("invalid YAML"));
  EXPECT_THAT(ErrorOf(""), StartsWith("in.yaml:1:1: the input is empty"));
  EXPECT_THAT(ErrorOf("- a\n"), StartsWith("in.yaml:1:1: the document must be a WorkloadProfile"));
}

TEST(ProfileCodecErrorsTest, DuplicateKeyAndMissingFields) {
  EXPECT_THAT(ErrorOf(std::string(kMinimal) + "kind: WorkloadProfile\n"),
              HasSubstr("duplicate field 'kind'"));
  EXPECT_THAT(ErrorOf(Replace(kMinimal, "  - name: c\n    syscalls", "  - syscalls")),
              StartsWith("in.yaml:7:5: container without name"));
}

TEST(ProfileCodecTest, ReadFileMissingIsNotFound) {
  auto p = ReadWorkloadProfileFile("/nonexistent/profile.yaml");
  EXPECT_EQ(p.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace minpriv::crd

namespace minpriv::crd {
namespace {

TEST(ProfileCodecTest, AwkwardPathsRoundTrip) {
  for (std::string path :
       {std::string("/tmp/a\nb"), std::string("/tmp/tab\there"), std::string("/tmp/caf\xc3\xa9"),
        std::string("/tmp/bad\xff\xfe"), std::string("/tmp/- x"), std::string("/tmp/#x"),
        std::string("/tmp/trail "), std::string("/tmp/quote'\"")}) {
    WorkloadProfile p;
    p.name = "n";
    ContainerProfile c;
    c.name = "c";
    FileWrite f;
    f.path = path;
    f.ops = {"write"};
    f.count = 1;
    c.file_writes = {f};
    p.containers = {c};
    std::string yaml = EmitWorkloadProfile(p);
    auto parsed = ParseWorkloadProfile(yaml, "mem");
    ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << yaml;
    EXPECT_EQ(*parsed, p) << yaml;
  }
}

}  // namespace
}  // namespace minpriv::crd

// yaml-cpp's LoadAll yields empty documents forever on a stray ',' where a document starts;
// the reader must stop with the position instead of hanging (found by the profile fuzzer).
TEST(ProfileCodecTest, AStrayCommaIsAnErrorNotAHang) {
  for (const char* text : {",", ",a-", "---\n,\n"}) {
    absl::StatusOr<minpriv::crd::WorkloadProfile> p =
        minpriv::crd::ParseWorkloadProfile(text, "p.yaml");
    ASSERT_FALSE(p.ok()) << text;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(p.status().message()),
                testing::MatchesRegex("p\\.yaml:[0-9]+:[0-9]+: invalid YAML: unexpected ','.*"))
        << text;
  }
}
