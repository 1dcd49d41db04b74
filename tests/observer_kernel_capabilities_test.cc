// Capabilities: a check that keeps the setgid bit is a need, not a probe.
// Loads the real BPF programs; shared fixture: tests/observer_kernel_fixture.h.
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "observer/observation.h"
#include "observer/observer.h"
#include "tests/observer_kernel_fixture.h"
#include "util/cgroup.h"
#include "util/process.h"

namespace minpriv::kernel_test {
namespace {

// chmod 2755 of a file in a group the caller is not in keeps S_ISGID only with
// CAP_FSETID: a need (at setattr_prepare), not a probe.
TEST_F(ObserverKernelTest, FsetidForTheSetgidBitIsANeed) {
  auto observer = observer::Observer::Create({});
  ASSERT_TRUE(observer.ok()) << observer.status();
  auto cg = util::ScopedCgroup::Create(absl::StrCat("minpriv-obs-sgid-", getpid()));
  ASSERT_TRUE(cg.ok()) << cg.status();
  Recording rec;
  ASSERT_TRUE((*observer)->Watch(cg->path(), &rec).ok());
  std::string work = TempDir("sgid");
  util::Process p = SpawnInCgroup(cg->path(), {BEHAVE_BINARY, "setgid", work});
  ASSERT_GT(p.pid(), 0);
  EXPECT_EQ(Wait(p), 0);
  ASSERT_TRUE((*observer)->Drain().ok());
  constexpr uint32_t kFsetid = 4;
  EXPECT_TRUE(rec.HasCap(kFsetid)) << "CAP_FSETID classified as a probe";
}

}  // namespace
}  // namespace minpriv::kernel_test
