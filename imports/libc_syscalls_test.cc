#include "imports/libc_syscalls.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "util/syscalls.h"

namespace minpriv::imports {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsSupersetOf;
using ::testing::Not;

std::vector<std::string> Calls(absl::string_view function, LibcFlavour flavour = LibcFlavour::kGlibc) {
  auto mapping = LibcSyscallTable::Get().Lookup(function, flavour);
  EXPECT_TRUE(mapping.has_value()) << function;
  return mapping ? mapping->syscalls : std::vector<std::string>{};
}

TEST(LibcSyscallTableTest, EveryNameInTheTableIsAnX8664Syscall) {
  const auto& entries = LibcSyscallTable::Get().entries();
  ASSERT_GT(entries.size(), 500u);
  for (const auto& entry : entries) {
    for (const std::string& name : entry.syscalls) {
      EXPECT_TRUE(util::SyscallNumber(name).has_value()) << entry.name << ": " << name;
    }
  }
}

TEST(LibcSyscallTableTest, EntriesAreSortedAndUnique) {
  const auto& entries = LibcSyscallTable::Get().entries();
  for (size_t i = 1; i < entries.size(); ++i) {
    EXPECT_LT(std::tie(entries[i - 1].name, entries[i - 1].flavour),
              std::tie(entries[i].name, entries[i].flavour));
  }
}

TEST(LibcSyscallTableTest, ParseRejectsUnknownSyscallsGroupsAndDisorder) {
  EXPECT_FALSE(LibcSyscallTable::Parse("foo: not_a_syscall\n").ok());
  EXPECT_FALSE(LibcSyscallTable::Parse("foo: @nowhere\n").ok());
  EXPECT_FALSE(LibcSyscallTable::Parse("b: read\na: read\n").ok());
  EXPECT_FALSE(LibcSyscallTable::Parse("a: read\na: write\n").ok());
  EXPECT_FALSE(LibcSyscallTable::Parse("a:\n").ok());
  EXPECT_FALSE(LibcSyscallTable::Parse("a/bsd: read\n").ok());
  EXPECT_FALSE(LibcSyscallTable::Parse("@a: @b\n@b: @a\nx: @a\n").ok());
  auto ok = LibcSyscallTable::Parse("@g: write read  # why\na: @g close\nb: -\n");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_THAT(ok->Lookup("a", LibcFlavour::kGlibc)->syscalls, ElementsAre("close", "read", "write"));
  EXPECT_TRUE(ok->Lookup("b", LibcFlavour::kMusl)->syscalls.empty());
}

TEST(LibcSyscallTableTest, DirectWrappersAndTheirVariants) {
  EXPECT_THAT(Calls("sendfile64"), ElementsAre("sendfile"));
  EXPECT_THAT(Calls("getrusage"), ElementsAre("getrusage"));
  EXPECT_THAT(Calls("shutdown"), ElementsAre("shutdown"));
  EXPECT_THAT(Calls("pread64"), ElementsAre("pread64"));
  EXPECT_THAT(Calls("__read_chk"), ElementsAre("read"));
  EXPECT_THAT(Calls("__libc_pread"), ElementsAre("pread64"));
  EXPECT_THAT(Calls("truncate64"), ElementsAre("truncate"));
  EXPECT_THAT(Calls("pwritev64v2"), ElementsAre("pwritev2"));
  EXPECT_THAT(Calls("lseek64"), ElementsAre("lseek"));
}

TEST(LibcSyscallTableTest, WrappersWhoseSyscallDiffers) {
  EXPECT_THAT(Calls("open64"), IsSupersetOf({"open", "openat"}));
  EXPECT_THAT(Calls("__open64_2"), IsSupersetOf({"open", "openat"}));
  EXPECT_THAT(Calls("stat64"), IsSupersetOf({"newfstatat", "statx"}));
  EXPECT_THAT(Calls("access"), IsSupersetOf({"faccessat", "faccessat2"}));
  EXPECT_THAT(Calls("pipe"), Contains("pipe2"));
  EXPECT_THAT(Calls("fork"), Contains("clone"));
  EXPECT_THAT(Calls("sleep"), Contains("clock_nanosleep"));
  EXPECT_THAT(Calls("select"), Contains("pselect6"));
  EXPECT_THAT(Calls("signal"), ElementsAre("rt_sigaction"));
  EXPECT_THAT(Calls("sigprocmask"), ElementsAre("rt_sigprocmask"));
  EXPECT_THAT(Calls("getrlimit64"), Contains("prlimit64"));
  EXPECT_THAT(Calls("_exit"), ElementsAre("exit_group"));
}

TEST(LibcSyscallTableTest, InternalNeedsOfHigherLevelFunctions) {
  EXPECT_THAT(Calls("realloc"), IsSupersetOf({"brk", "mmap", "munmap", "mremap", "madvise"}));
  EXPECT_THAT(Calls("system"), IsSupersetOf({"clone3", "execve", "wait4", "rt_sigaction"}));
  EXPECT_THAT(Calls("popen"), IsSupersetOf({"pipe2", "clone", "wait4"}));
  EXPECT_THAT(Calls("fopen64"), IsSupersetOf({"openat", "read", "write", "close", "ioctl"}));
  EXPECT_THAT(Calls("__printf_chk"), IsSupersetOf({"write", "newfstatat"}));
  EXPECT_THAT(Calls("readdir64"), Contains("getdents64"));
  EXPECT_THAT(Calls("getaddrinfo"), IsSupersetOf({"socket", "connect", "sendmmsg", "recvfrom"}));
  EXPECT_THAT(Calls("pthread_create"), IsSupersetOf({"clone3", "mprotect", "set_robust_list", "rseq"}));
  EXPECT_THAT(Calls("getpwnam"), IsSupersetOf({"openat", "socket", "connect"}));
  EXPECT_THAT(Calls("abort"), IsSupersetOf({"tgkill", "rt_sigprocmask"}));
  EXPECT_THAT(Calls("syslog"), IsSupersetOf({"socket", "connect", "sendto"}));
  EXPECT_THAT(Calls("__syslog_chk"), IsSupersetOf({"socket", "connect", "sendto"}));
  EXPECT_THAT(Calls("exit"), Contains("exit_group"));
  EXPECT_TRUE(Calls("strlen").empty());
  EXPECT_TRUE(Calls("__memcpy_chk").empty());
  EXPECT_THAT(Calls("__isoc99_sscanf"), Not(Contains("read")));
}

TEST(LibcSyscallTableTest, UnknownFunctionsAreNotGuessed) {
  const auto& table = LibcSyscallTable::Get();
  EXPECT_FALSE(table.Lookup("syscall", LibcFlavour::kGlibc).has_value());
  EXPECT_FALSE(table.Lookup("SSL_sendfile", LibcFlavour::kGlibc).has_value());
  EXPECT_FALSE(table.Lookup("__no_such_thing_chk", LibcFlavour::kMusl).has_value());
}

TEST(LibcSyscallTableTest, FlavourSpecificLinesWinAndUnknownUnitesBoth) {
  const auto& table = LibcSyscallTable::Get();
  auto glibc = table.Lookup(kDynamicLoaderEntry, LibcFlavour::kGlibc);
  auto musl = table.Lookup(kDynamicLoaderEntry, LibcFlavour::kMusl);
  auto unknown = table.Lookup(kDynamicLoaderEntry, LibcFlavour::kUnknown);
  ASSERT_TRUE(glibc && musl && unknown);
  EXPECT_THAT(glibc->syscalls, Contains("rseq"));
  EXPECT_THAT(musl->syscalls, Not(Contains("rseq")));
  EXPECT_THAT(unknown->syscalls, IsSupersetOf(glibc->syscalls));
}

}  // namespace
}  // namespace minpriv::imports
