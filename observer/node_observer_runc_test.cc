// The node observer and a real runc container whose cgroupsPath lies below the watched
// root (the kubelet's cgroupfs layout): what runc init does in the container's cgroup
// before it execs the workload arrives before OnWorkloadExec, the workload's own syscalls
// after it, and the container's deletion removes the cgroup.
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "observer/node_observer_test_util.h"
#include "verifier/bundle.h"
#include "verifier/oci_spec.h"
#include "verifier/runc.h"
#include "verifier/workload.h"

namespace minpriv::observer {
namespace {

using node_test::ContainerLog;
using node_test::NodeTest;

constexpr char kPod[] = R"(apiVersion: v1
kind: Pod
metadata: {name: tiny}
spec:
  containers:
  - name: tiny
    image: none
)";

int IndexOf(const std::vector<std::string>& log, const std::string& entry) {
  auto it = std::find(log.begin(), log.end(), entry);
  return it == log.end() ? -1 : static_cast<int>(it - log.begin());
}

TEST_F(NodeTest, RuncInitIsTheRuntimesAndComesBeforeTheWorkloadExec) {
  auto runc = verifier::FindRunc();
  ASSERT_TRUE(runc.ok()) << runc.status();
  ASSERT_TRUE(Start({}));
  const std::string container = "kubepods/besteffort/pod5678/runc0123";
  factory.accept = [](const std::string& rel) { return absl::EndsWith(rel, "/runc0123"); };

  auto w = verifier::ParseWorkloads(kPod, "pod.yaml");
  ASSERT_TRUE(w.ok()) << w.status();
  auto sel = verifier::SelectContainer(*w, "", "", "pod.yaml");
  ASSERT_TRUE(sel.ok()) << sel.status();
  auto bundle = verifier::Bundle::Create();
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  verifier::SpecInputs in;
  in.pod = sel->pod;
  in.container = sel->container;
  in.args = {"/bin/true"};
  in.cgroups_path = "/" + rel(container);
  auto spec = verifier::BuildOciSpec(in);
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_TRUE(bundle->WriteConfig(spec->config).ok());
  uint64_t id = 0;
  {
    auto c = verifier::RuncContainer::Create(*runc, bundle->dir(),
                                             absl::StrCat("minpriv-node-test-", getpid()));
    ASSERT_TRUE(c.ok()) << c.status();
    ContainerLog* log = factory.WaitForCreated(*this, rel(container));
    ASSERT_NE(log, nullptr);
    id = log->id;
    ASSERT_TRUE(c->Start().ok());
    auto st = c->WaitExit(absl::Seconds(30));
    ASSERT_TRUE(st.has_value());
    EXPECT_EQ(*st, 0);
    auto workload_exec = [&] {
      int i = IndexOf(log->entries, "exec:/bin/true");
      return i >= 0 ? i : IndexOf(log->entries, "exec:/usr/bin/true");
    };
    // The workload's exit, after the boundary (the bitmap starts again there).
    auto exited = [&] {
      int boundary = IndexOf(log->entries, "workload-exec");
      return boundary >= 0 && std::find(log->entries.begin() + boundary, log->entries.end(),
                                        "syscall:exit_group") != log->entries.end();
    };
    ASSERT_TRUE(PollUntil([&] { return workload_exec() >= 0 && exited(); })) << log->Dump();
    int boundary = IndexOf(log->entries, "workload-exec");
    ASSERT_GE(boundary, 0) << log->Dump();
    // runc init in the container's cgroup: it enters the root file system (pivot_root)
    // and execs the process, before the boundary.
    int pivot = IndexOf(log->entries, "syscall:pivot_root");
    int execve = IndexOf(log->entries, "syscall:execve");
    EXPECT_GE(pivot, 0) << log->Dump();
    EXPECT_LT(pivot, boundary) << log->Dump();
    EXPECT_GE(execve, 0) << log->Dump();
    EXPECT_LT(execve, boundary) << log->Dump();
    EXPECT_LT(boundary, workload_exec()) << log->Dump();
    EXPECT_EQ(std::count(log->entries.begin(), log->entries.end(), "workload-exec"), 1);
    // The runtime's syscalls are the workload's too when it makes them again: reported
    // after the boundary once more (mmap: the dynamic loader of /bin/true).
    EXPECT_NE(std::find(log->entries.begin() + boundary, log->entries.end(), "syscall:mmap"),
              log->entries.end())
        << log->Dump();
  }  // runc delete: the container's cgroup goes
  ASSERT_TRUE(PollUntil([&] { return factory.removed.count(id) > 0; }));
  EXPECT_EQ(observer->GetStats().tracked, 0u);
}

}  // namespace
}  // namespace minpriv::observer
