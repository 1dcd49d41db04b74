// Syscalls: 32-bit calls are named by the i386 table.
// Loads the real BPF programs; shared fixture: tests/observer_kernel_fixture.h.
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "observer/observation.h"
#include "observer/observer.h"
#include "profiler/profile_builder.h"
#include "tests/observer_kernel_fixture.h"
#include "util/cgroup.h"
#include "util/process.h"

namespace minpriv::kernel_test {
namespace {

// 32-bit syscalls (int 0x80, here from 64-bit code) are numbered by the i386 table: i386
// getpid (20) is not x86_64 writev, i386 getuid32 (199) is not fremovexattr. The profile
// names them by their i386 names where the schema accepts the name, else warns and says
// the profile is incomplete.
TEST_F(ObserverKernelTest, ThirtyTwoBitSyscallsGetTheirI386Names) {
  auto observer = observer::Observer::Create({});
  ASSERT_TRUE(observer.ok()) << observer.status();
  auto cg = util::ScopedCgroup::Create(absl::StrCat("minpriv-obs-i386-", getpid()));
  ASSERT_TRUE(cg.ok()) << cg.status();
  Recording rec;
  profiler::ProfileBuilder builder("i386");
  struct Tee : observer::ObservationSink {
    std::vector<observer::ObservationSink*> to;
    void OnSyscall(absl::Time t, const observer::SyscallObservation& o) override {
      for (auto* s : to) s->OnSyscall(t, o);
    }
    void OnCapability(absl::Time, const observer::CapabilityObservation&) override {}
    void OnFileWrite(absl::Time, const observer::FileWriteObservation&) override {}
    void OnExec(absl::Time, const observer::ExecObservation&) override {}
    void OnIdentity(absl::Time, const observer::IdentityObservation&) override {}
    void OnListen(absl::Time, const observer::ListenObservation&) override {}
    void OnFlow(absl::Time, const observer::FlowObservation&) override {}
    void OnDns(absl::Time, const observer::DnsObservation&) override {}
  } tee;
  tee.to = {&rec, &builder};
  ASSERT_TRUE((*observer)->Watch(cg->path(), &tee).ok());
  util::Process p = SpawnInCgroup(cg->path(), {BEHAVE_BINARY, "i386"});
  ASSERT_GT(p.pid(), 0);
  EXPECT_EQ(Wait(p), 0);
  ASSERT_TRUE((*observer)->Drain().ok());
  EXPECT_TRUE(rec.i386_syscalls.count(20));
  EXPECT_TRUE(rec.i386_syscalls.count(199));
  EXPECT_FALSE(rec.syscalls.count("writev")) << "i386 getpid named by the x86_64 table";
  EXPECT_FALSE(rec.syscalls.count("fremovexattr")) << "i386 getuid32 named by x86_64 table";
  EXPECT_TRUE(rec.syscalls.count("execve"));  // 64-bit calls keep their names
  crd::ContainerProfile c = builder.Build();
  auto has = [&](const char* n) {
    return std::find(c.syscalls.begin(), c.syscalls.end(), n) != c.syscalls.end();
  };
  EXPECT_TRUE(has("getpid"));
  EXPECT_FALSE(has("writev"));
  EXPECT_FALSE(has("fremovexattr"));
  EXPECT_FALSE(has("getuid32")) << "not a name the profile schema accepts";
  std::vector<std::string> warnings = builder.Warnings();
  EXPECT_TRUE(std::any_of(warnings.begin(), warnings.end(), [](const std::string& w) {
    return w.find("'getuid32'") != std::string::npos;
  }));
  EXPECT_FALSE(builder.IncompleteReasons().empty());
}

}  // namespace
}  // namespace minpriv::kernel_test
