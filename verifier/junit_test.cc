// The JUnit XML report of a verify run: one testsuite, one testcase, a failure per break.
#include "verifier/junit.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace minpriv::verifier {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

VerifyOptions Options() {
  VerifyOptions o;
  o.proposal = "out/shop-web";
  o.command = {"/usr/sbin/nginx", "-g", "daemon off;"};
  return o;
}

VerifyResult Result() {
  VerifyResult r;
  r.workload = "Deployment/shop-web";
  r.container = "nginx";
  r.notes = {"a note with <angle> & \"quotes\""};
  return r;
}

TEST(JUnitTest, VerifiedIsOnePassingTestCase) {
  std::string xml = VerifyJUnitXml(Options(), Result());
  EXPECT_THAT(xml, HasSubstr("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"minpriv verify out/shop-web\" tests=\"1\" "
                             "failures=\"0\" errors=\"0\" skipped=\"0\">"));
  EXPECT_THAT(xml, HasSubstr("<testcase classname=\"Deployment/shop-web\" name=\"nginx\">"));
  EXPECT_THAT(xml, HasSubstr("<property name=\"proposal\" value=\"out/shop-web\"/>"));
  EXPECT_THAT(xml, HasSubstr("<property name=\"host-paths\" value=\"scratch\"/>"));
  EXPECT_THAT(xml, HasSubstr("<property name=\"mode\" value=\"host-root\"/>"));
  EXPECT_THAT(xml, HasSubstr("<property name=\"verdict\" value=\"verified\"/>"));
  EXPECT_THAT(xml, HasSubstr("<system-out>a note with &lt;angle&gt; &amp; &quot;quotes&quot;"));
  EXPECT_THAT(xml, Not(HasSubstr("<failure")));
  EXPECT_EQ(xml, VerifyJUnitXml(Options(), Result()));  // deterministic
}

TEST(JUnitTest, EachBreakIsAFailure) {
  VerifyOptions o = Options();
  o.host_paths = HostPathMode::kReadOnly;
  VerifyResult r = Result();
  r.breaks = {{"capability", "NET_RAW", "capability missing NET_RAW", "process ping"},
              {"seccomp", "ptrace", "seccomp denied ptrace", ""}};
  std::string xml = VerifyJUnitXml(o, r);
  EXPECT_THAT(xml, HasSubstr("failures=\"1\""));
  EXPECT_THAT(xml, HasSubstr("<failure type=\"capability\" message=\"capability missing "
                             "NET_RAW\">process ping</failure>"));
  EXPECT_THAT(xml, HasSubstr("<failure type=\"seccomp\" message=\"seccomp denied ptrace\">"
                             "seccomp denied ptrace</failure>"));
  EXPECT_THAT(xml, HasSubstr("<property name=\"host-paths\" value=\"readonly\"/>"));
  EXPECT_THAT(xml, HasSubstr("<property name=\"verdict\" value=\"broken\"/>"));
}

TEST(JUnitTest, InterruptedIsAnError) {
  VerifyResult r = Result();
  r.interrupted_by = 15;
  std::string xml = VerifyJUnitXml(Options(), r);
  EXPECT_THAT(xml, HasSubstr("errors=\"1\""));
  EXPECT_THAT(xml, HasSubstr("<error type=\"interrupted\""));
}

TEST(JUnitTest, EscapesWhatXmlCannotCarry) {
  EXPECT_EQ(XmlEscape("a<b>&'\"\x01\tc\n"), "a&lt;b&gt;&amp;&apos;&quot;?\tc\n");
}

}  // namespace
}  // namespace minpriv::verifier
