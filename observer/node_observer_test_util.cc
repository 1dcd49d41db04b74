#include "observer/node_observer_test_util.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "util/cgroup.h"
#include "util/syscalls.h"

namespace minpriv::observer::node_test {

std::string ContainerLog::Dump() const {
  return absl::StrCat("\n  ", absl::StrJoin(entries, "\n  "));
}

void ContainerLog::OnSyscall(absl::Time, const SyscallObservation& o) {
  const char* name = o.abi == SyscallAbi::kX86_64 ? util::SyscallName(o.nr) : nullptr;
  entries.push_back(absl::StrCat("syscall:", name ? name : absl::StrCat("#", o.nr)));
}
void ContainerLog::OnCapability(absl::Time, const CapabilityObservation& o) {
  entries.push_back(absl::StrCat("cap:", o.cap));
}
void ContainerLog::OnFileWrite(absl::Time, const FileWriteObservation& o) {
  entries.push_back(absl::StrCat("file:", FileOpName(o.op), ":", o.path));
}
void ContainerLog::OnExec(absl::Time, const ExecObservation& o) {
  if (o.count == 1) entries.push_back(absl::StrCat("exec:", o.path));
}
void ContainerLog::OnIdentity(absl::Time, const IdentityObservation& o) {
  entries.push_back(absl::StrCat("identity:", o.uid, ":", o.gid));
}
void ContainerLog::OnListen(absl::Time, const ListenObservation& o) {
  entries.push_back(absl::StrCat("listen:", o.port));
}
void ContainerLog::OnFlow(absl::Time, const FlowObservation& o) {
  entries.push_back(absl::StrCat("flow:", o.ip, ":", o.port));
}
void ContainerLog::OnDns(absl::Time, const DnsObservation& o) {
  entries.push_back(absl::StrCat("dns:", o.name));
}

void ContainerLog::OnDenial(absl::Time, const DenialObservation& o) {
  const char* name = o.abi == SyscallAbi::kX86_64 ? util::SyscallName(o.nr) : nullptr;
  entries.push_back(absl::StrCat("denial:", name ? name : absl::StrCat("#", o.nr), ":", o.error));
}

ObservationSink* RecordingFactory::OnCgroupCreated(uint64_t cgroup_id,
                                                   const std::string& relative_path) {
  if (!accept(relative_path)) {
    declined.insert(relative_path);
    return nullptr;
  }
  auto log = std::make_unique<ContainerLog>();
  log->id = cgroup_id;
  ContainerLog* raw = log.get();
  logs[relative_path] = std::move(log);
  by_id[cgroup_id] = raw;
  ++created_count;
  return raw;
}

void RecordingFactory::OnWorkloadExec(uint64_t cgroup_id, absl::Time) {
  auto it = by_id.find(cgroup_id);
  if (it != by_id.end()) it->second->entries.push_back("workload-exec");
}

void RecordingFactory::OnCgroupRemoved(uint64_t cgroup_id) {
  if (!removed.insert(cgroup_id).second) removed_twice = true;
  by_id.erase(cgroup_id);
}

ContainerLog* RecordingFactory::Find(const std::string& relative_path) {
  auto it = logs.find(relative_path);
  return it == logs.end() ? nullptr : it->second.get();
}

ContainerLog* RecordingFactory::WaitForCreated(NodeTest& t, const std::string& relative_path) {
  t.PollUntil([&] { return Find(relative_path) != nullptr; });
  return Find(relative_path);
}

void NodeTest::SetUp() {
  ASSERT_EQ(geteuid(), 0u) << "the node observer's tests load BPF programs: run as root";
  auto mount = util::CgroupV2Root();
  ASSERT_TRUE(mount.ok()) << mount.status();
  root_rel_ = absl::StrCat("minpriv-node-test-", getpid(), "-",
                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
  root_ = *mount + "/" + root_rel_;
  ASSERT_EQ(mkdir(root_.c_str(), 0755), 0) << root_ << ": " << strerror(errno);
}

void NodeTest::TearDown() {
  if (observer) {
    observer->Detach();
    observer.reset();
  }
  EXPECT_FALSE(factory.removed_twice);
  // Deepest first: kill what runs there and remove each directory.
  std::vector<std::string> dirs;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root_, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec)) dirs.push_back(it->path().string());
  }
  std::sort(dirs.rbegin(), dirs.rend());
  for (const std::string& d : dirs) util::RemoveCgroup(d).IgnoreError();
  EXPECT_TRUE(util::RemoveCgroup(root_).ok()) << root_;
}

bool NodeTest::Start(const NodeOptions& options) {
  auto created = NodeObserver::Create(options);
  EXPECT_TRUE(created.ok()) << created.status();
  if (!created.ok()) return false;
  observer = std::move(*created);
  absl::Status s = observer->WatchRoot(root_, &factory);
  EXPECT_TRUE(s.ok()) << s;
  return s.ok();
}

std::string NodeTest::Mkdirs(const std::string& relative) {
  std::string path = root_;
  for (const auto& part : std::filesystem::path(relative)) {
    path += "/" + part.string();
    if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
      ADD_FAILURE() << path << ": " << strerror(errno);
    }
  }
  return path;
}

bool NodeTest::PollUntil(const std::function<bool()>& done) {
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::Status s = observer->Poll(absl::Milliseconds(20));
    if (!s.ok()) {
      ADD_FAILURE() << s;
      return false;
    }
  }
  return true;
}

}  // namespace minpriv::observer::node_test
