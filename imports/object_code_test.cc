#include "imports/object_code.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "imports/reachable.h"
#include "imports/test_dir.h"
#include "imports/wrapper_code.h"
#include "util/syscalls.h"

namespace minpriv::imports {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Optional;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool Cc(const std::string& args) {
  return std::system(absl::StrCat("cc ", args, " 2>&1").c_str()) == 0;
}

std::vector<std::string> Evidence(const ReachableSyscalls& r, const std::string& syscall) {
  std::vector<std::string> out;
  if (auto it = r.syscalls.find(syscall); it != r.syscalls.end()) {
    for (const auto& e : it->second) out.push_back(e.ToString());
  }
  return out;
}

uint32_t Nr(const char* name) { return *util::SyscallNumber(name); }

// glibc 2.41's mkdir, byte for byte: mov $0x53,%eax; syscall; cmp $-4095,%rax; jae +1; ret;
// mov errno@gottpoff(%rip),%rcx; neg %eax; mov %eax,%fs:(%rcx); or $-1,%rax; ret; padding.
const std::string kMkdir(
    "\xb8\x53\x00\x00\x00\x0f\x05\x48\x3d\x01\xf0\xff\xff\x73\x01\xc3"
    "\x48\x8b\x0d\x99\xae\x0d\x00\xf7\xd8\x64\x89\x01\x48\x83\xc8\xff\xc3"
    "\x0f\x1f\x40\x00",
    37);

TEST(WrapperCodeTest, APlainWrapperMakesOnlyItsOwnCall) {
  EXPECT_THAT(WrapperSyscalls(kMkdir), Optional(ElementsAre(Nr("mkdir"))));
  EXPECT_THAT(WrapperSyscalls(std::string("\x31\xc0\xc3", 3)), Optional(IsEmpty()));  // xor; ret
}

TEST(WrapperCodeTest, AnythingNotPlainlyAWrapperIsRefused) {
  // The number comes from a register: mov %edi,%eax; syscall; ret.
  EXPECT_EQ(WrapperSyscalls(std::string("\x89\xf8\x0f\x05\xc3", 5)), std::nullopt);
  // mov $0x53,%r8d (REX.B) is not %eax.
  EXPECT_EQ(WrapperSyscalls(std::string("\x41\xb8\x53\x00\x00\x00\x0f\x05\xc3", 9)), std::nullopt);
  // A call, an indirect call, a jump out of the function.
  EXPECT_EQ(WrapperSyscalls(std::string("\xe8\x00\x00\x00\x00\xc3", 6)), std::nullopt);
  EXPECT_EQ(WrapperSyscalls(std::string("\xff\xd0\xc3", 3)), std::nullopt);
  EXPECT_EQ(WrapperSyscalls(std::string("\xeb\x10\xc3", 3)), std::nullopt);
  // A branch that lands on the syscall, where %eax may hold something else:
  // mov $1,%eax; jmp +5; mov $0x53,%eax; syscall; ret.
  EXPECT_EQ(WrapperSyscalls(std::string("\xb8\x01\x00\x00\x00\xeb\x05\xb8\x53\x00\x00\x00\x0f\x05\xc3", 15)),
            std::nullopt);
  // Falls through past its end; truncated.
  EXPECT_EQ(WrapperSyscalls(std::string("\xb8\x53\x00\x00\x00\x0f\x05", 7)), std::nullopt);
  EXPECT_EQ(WrapperSyscalls(kMkdir.substr(0, 3)), std::nullopt);
}

TEST(ObjectCodeTest, TheCLibraryOwnCodeShowsItsWrappers) {
  auto libc = ObjectCode::Build(MemoryByteSource(ReadAll("/lib/x86_64-linux-gnu/libc.so.6")), "libc");
  ASSERT_TRUE(libc.ok()) << libc.status();
  ASSERT_FALSE(libc->whole()) << libc->why_whole();
  EXPECT_GT(libc->function_count(), 1000u);
  // The calls of issue 12's trial, each what glibc's code makes.
  EXPECT_THAT(libc->WrapperSyscalls("mkdir"), Optional(ElementsAre(Nr("mkdir"))));
  EXPECT_THAT(libc->WrapperSyscalls("truncate"), Optional(ElementsAre(Nr("truncate"))));
  EXPECT_THAT(libc->WrapperSyscalls("shutdown"), Optional(ElementsAre(Nr("shutdown"))));
  EXPECT_THAT(libc->WrapperSyscalls("getrusage"), Optional(ElementsAre(Nr("getrusage"))));
  // Not plain wrappers: left to the table.
  EXPECT_EQ(libc->WrapperSyscalls("realloc"), std::nullopt);
  EXPECT_EQ(libc->WrapperSyscalls("time"), std::nullopt);  // an IFUNC (vDSO or syscall)
  EXPECT_EQ(libc->WrapperSyscalls("not_a_libc_function"), std::nullopt);
}

TEST(ObjectCodeTest, NotUnderstoodMeansWholeAndNeverACrash) {
  std::string libc = ReadAll("/lib/x86_64-linux-gnu/libc.so.6");
  for (size_t keep : {size_t{64}, size_t{4096}, libc.size() / 2}) {
    auto code = ObjectCode::Build(MemoryByteSource(libc.substr(0, keep)), "cut");
    ASSERT_TRUE(code.ok()) << keep;
    EXPECT_TRUE(code->whole()) << keep;
    EXPECT_EQ(code->WrapperSyscalls("mkdir"), std::nullopt);
  }
  EXPECT_FALSE(ObjectCode::Build(MemoryByteSource("#!/bin/sh\n"), "script").ok());
}

// A library whose exports the program uses in part: what the used export reaches (a local
// call, a -fno-plt call through the GOT, an address-taken function) stays; what only the
// unused export calls goes.
class LibraryReachTest : public ::testing::TestWithParam<const char*> {};

TEST_P(LibraryReachTest, OnlyWhatTheProgramCanReachInALibraryCounts) {
  TestDir dir;
  const std::string d = dir.path();
  std::ofstream(d + "/lib.c") << R"(#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>
static int __attribute__((noinline)) helper(const char* p) { return truncate(p, 0); }
static int by_pointer(void) { return rmdir("x"); }
int (*volatile table[])(void) = {by_pointer};
int used(const char* p) { return helper(p) + (int)sendfile(1, 0, 0, 1); }
int unused(const char* p) { return mkdir(p, 0700) + chroot(p); }
)";
  std::ofstream(d + "/main.c") << "int used(const char*);\nint main(int c, char** v) { return used(v[0]); }\n";
  ASSERT_TRUE(Cc(absl::StrCat(GetParam(), " -shared -fPIC -o ", d, "/libt.so ", d, "/lib.c")));
  ASSERT_TRUE(Cc(absl::StrCat("-o ", d, "/prog ", d, "/main.c ", d, "/libt.so -Wl,-rpath,", d)));
  auto r = FindReachableSyscalls(ReachInput{.root = "/", .executables = {d + "/prog"}});
  ASSERT_TRUE(r.ok()) << r.status();
  const std::string via = absl::StrCat("imported by ", d, "/prog via ", d, "/libt.so as ");
  EXPECT_THAT(Evidence(*r, "sendfile"), Contains(via + "sendfile"));
  EXPECT_THAT(Evidence(*r, "truncate"), Contains(via + "truncate"));
  EXPECT_THAT(Evidence(*r, "rmdir"), Contains(via + "rmdir"));
  EXPECT_THAT(Evidence(*r, "mkdir"), IsEmpty());
  EXPECT_THAT(Evidence(*r, "chroot"), IsEmpty());

  // Loaded on its own (every export may be called), the library reaches all of them.
  auto whole = FindReachableSyscalls(ReachInput{.root = "/", .libraries = {d + "/libt.so"}});
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_THAT(Evidence(*whole, "chroot"), Contains(absl::StrCat("imported by ", d, "/libt.so as chroot")));
}

INSTANTIATE_TEST_SUITE_P(Builds, LibraryReachTest,
                         ::testing::Values("-O0", "-O2", "-O2 -fno-plt", "-Os -fno-plt"));

TEST(ObjectCodeTest, RealServersKeepWhatTheyCallAndLoseWhatNoCodeOfThemMakes) {
  auto r = FindReachableSyscalls(ReachInput{.root = "/", .executables = {"/usr/sbin/nginx", "/usr/bin/redis-server"}});
  ASSERT_TRUE(r.ok()) << r.status();
  for (const char* kept : {"sendfile", "getrusage", "shutdown", "mkdir", "truncate", "mremap", "pipe2"}) {
    EXPECT_THAT(r->Names(), Contains(kept));
  }
  EXPECT_THAT(Evidence(*r, "mkdir"), Contains("imported by /usr/sbin/nginx as mkdir"));
  // glibc's mkdir, rename and eventfd make mkdir, rename and eventfd2 only; the table's
  // alternatives for other versions and musl are not reachable here.
  for (const char* gone : {"mkdirat", "renameat2", "eventfd"}) {
    EXPECT_THAT(r->Names(), Not(Contains(gone)));
  }
  // libcap's capset: Redis reaches libcap only through libsystemd, which never sets
  // capabilities; its xattr calls go too.
  EXPECT_THAT(r->Names(), Not(Contains("capset")));
  EXPECT_THAT(r->Names(), Not(Contains("fgetxattr")));
}

}  // namespace
}  // namespace minpriv::imports
