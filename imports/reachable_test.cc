#include "imports/reachable.h"

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "imports/test_dir.h"

namespace minpriv::imports {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Strings(const ReachableSyscalls& r, const std::string& syscall) {
  std::vector<std::string> out;
  auto it = r.syscalls.find(syscall);
  if (it == r.syscalls.end()) return out;
  for (const Evidence& e : it->second) out.push_back(e.ToString());
  return out;
}

ReachInput Input(std::string root, std::vector<std::string> executables,
                 std::vector<std::string> libraries = {}) {
  ReachInput input;
  input.root = std::move(root);
  input.executables = std::move(executables);
  input.libraries = std::move(libraries);
  return input;
}

ReachableSyscalls Reach(ReachInput input) {
  auto r = FindReachableSyscalls(input);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *std::move(r) : ReachableSyscalls{};
}

void Write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

// Compiles with the system's cc; returns whether it succeeded.
bool Cc(const std::string& args) {
  std::string command = absl::StrCat("cc ", args, " 2>&1");
  return std::system(command.c_str()) == 0;
}

TEST(ReachableTest, NginxReachesSendfileThroughItsImport) {
  auto r = Reach(Input("/", {"/usr/sbin/nginx"}));
  EXPECT_THAT(Strings(r, "sendfile"), Contains("imported by /usr/sbin/nginx as sendfile64"));
  EXPECT_THAT(Strings(r, "shutdown"), Contains("imported by /usr/sbin/nginx as shutdown"));
  EXPECT_THAT(Strings(r, "arch_prctl"),
              Contains("needed by the dynamic loader /lib64/ld-linux-x86-64.so.2 to start /usr/sbin/nginx"));
  ASSERT_EQ(r.binaries.size(), 1u);
  const BinaryReport& b = r.binaries[0];
  EXPECT_TRUE(b.status.ok()) << b.status;
  EXPECT_FALSE(b.is_static);
  EXPECT_EQ(b.libc, LibcFlavour::kGlibc);
  EXPECT_THAT(b.libc_path, HasSubstr("libc.so.6"));
  EXPECT_THAT(b.libraries, Contains(HasSubstr("libssl.so.3")));
  EXPECT_TRUE(b.missing_libraries.empty());
  // Functions of other libraries are theirs, not the C library's.
  for (const UnmappedImport& u : b.unmapped_imports) {
    EXPECT_THAT(u.symbol, Not(HasSubstr("SSL_"))) << u.via;
  }
  // syscall() can make any call: not guessed, listed.
  EXPECT_THAT(b.unmapped_imports, Contains(UnmappedImport{"", "syscall@GLIBC_2.2.5"}));
  EXPECT_GE(r.UnmappedImportCount(), 1u);
  for (const auto& [name, evidence] : r.syscalls) {
    EXPECT_TRUE(std::is_sorted(evidence.begin(), evidence.end())) << name;
  }
}

TEST(ReachableTest, RedisReachesGetrusage) {
  auto r = Reach(Input("/", {"/usr/bin/redis-server"}));
  EXPECT_THAT(Strings(r, "getrusage"), Contains("imported by /usr/bin/redis-server as getrusage"));
  EXPECT_THAT(Strings(r, "mremap"), Not(testing::IsEmpty()));
}

TEST(ReachableTest, CompiledProgramReachesWhatItCallsAndStaticIsSaidSo) {
  TestDir dir;
  Write(dir.path() + "/p.c",
        "#include <sys/stat.h>\n#include <unistd.h>\n"
        "int main(int c, char** v) { mkdir(v[0], 0700); return truncate(v[0], 0); }\n");
  ASSERT_TRUE(Cc(absl::StrCat("-O0 -o ", dir.path(), "/dyn ", dir.path(), "/p.c")));
  ASSERT_TRUE(Cc(absl::StrCat("-O0 -static -o ", dir.path(), "/static ", dir.path(), "/p.c")));
  std::string dyn = dir.path() + "/dyn", stat = dir.path() + "/static";
  auto r = Reach(Input("/", {stat, dyn}));
  EXPECT_THAT(Strings(r, "truncate"), Contains(absl::StrCat("imported by ", dyn, " as truncate")));
  EXPECT_THAT(Strings(r, "mkdir"), Contains(absl::StrCat("imported by ", dyn, " as mkdir")));
  EXPECT_THAT(Strings(r, "getrusage"), testing::IsEmpty());
  ASSERT_EQ(r.binaries.size(), 2u);
  EXPECT_EQ(r.binaries[0].path, dyn);  // sorted by path
  EXPECT_FALSE(r.binaries[0].is_static);
  EXPECT_EQ(r.binaries[1].path, stat);
  EXPECT_TRUE(r.binaries[1].is_static);
  EXPECT_TRUE(r.binaries[1].libraries.empty());
  for (const auto& [name, evidence] : r.syscalls) {
    for (const Evidence& e : evidence) EXPECT_NE(e.binary, stat) << name;
  }
}

// A root that is not "/": the binary, its libraries and a C library of its own, found through
// $ORIGIN, /etc/ld.so.conf's include and an absolute symlink, all inside the root. The fake C
// library exports no getrusage: were the host's libc used, getrusage would be reachable.
TEST(ReachableTest, ARootOtherThanSlashIsResolvedInsideItOnly) {
  TestDir dir;
  const std::string build = dir.path() + "/build", root = dir.path() + "/root";
  fs::create_directories(build);
  // Each function calls an internal one, so that the fake's own code does not show it to be
  // a wrapper making no system call (imports/wrapper_code.h): the table decides, as for a
  // C library whose code is not plain.
  Write(build + "/fakelibc.c",
        "__attribute__((noinline)) static int inner(void) { return 0; }\n"
        "int mkdir(const char* p, int m) { return inner(); }\n"
        "int truncate(const char* p, long n) { return inner(); }\n"
        "long sendfile(int a, int b, long* c, unsigned long d) { return inner(); }\n");
  Write(build + "/extra.c", "int getrusage(int, void*); int mkdir(const char*, int);\n"
                            "int extra(void) { return getrusage(0, 0) + mkdir(\"x\", 0); }\n");
  Write(build + "/conf.c", "long sendfile(int, int, long*, unsigned long);\n"
                           "long conf(void) { return sendfile(0, 1, 0, 1); }\n");
  Write(build + "/gone.c", "int gone(void) { return 1; }\n");
  Write(build + "/main.c", "int extra(void); long conf(void); int gone(void);\n"
                           "int truncate(const char*, long);\n"
                           "int main(void) { return extra() + conf() + gone() + truncate(\"f\", 0); }\n");
  const std::string shared = "-shared -fPIC -nostdlib ";
  ASSERT_TRUE(Cc(absl::StrCat(shared, "-Wl,-soname,libc.so.6 -o ", build, "/libc.so.6 ", build, "/fakelibc.c")));
  ASSERT_TRUE(Cc(absl::StrCat(shared, "-Wl,-soname,libextra.so.1 -o ", build, "/libextra.so.1 ",
                              build, "/extra.c ", build, "/libc.so.6")));
  ASSERT_TRUE(Cc(absl::StrCat(shared, "-Wl,-soname,libconf.so.1 -o ", build, "/libconf.so.1 ",
                              build, "/conf.c ", build, "/libc.so.6")));
  ASSERT_TRUE(Cc(absl::StrCat(shared, "-Wl,-soname,libgone.so.1 -o ", build, "/libgone.so.1 ",
                              build, "/gone.c")));
  ASSERT_TRUE(Cc(absl::StrCat("-o ", build, "/prog ", build, "/main.c ", build, "/libextra.so.1 ",
                              build, "/libconf.so.1 ", build, "/libgone.so.1 -Wl,-rpath,'$ORIGIN/../lib'")));
  fs::create_directories(root + "/app/bin");
  fs::create_directories(root + "/app/lib");
  fs::create_directories(root + "/opt/real");
  fs::create_directories(root + "/custom/lib");
  fs::create_directories(root + "/lib/x86_64-linux-gnu");
  fs::copy_file(build + "/prog", root + "/app/bin/prog");
  fs::copy_file(build + "/libextra.so.1", root + "/app/lib/libextra.so.1");
  fs::copy_file(build + "/libconf.so.1", root + "/custom/lib/libconf.so.1");
  fs::copy_file(build + "/libc.so.6", root + "/opt/real/libfake.so");
  fs::create_symlink("/opt/real/libfake.so", root + "/lib/x86_64-linux-gnu/libc.so.6");
  Write(root + "/etc/ld.so.conf", "# comment\ninclude ld.so.conf.d/*.conf\n");
  Write(root + "/etc/ld.so.conf.d/custom.conf", "/custom/lib\n");
  fs::create_symlink("/app/bin/prog", root + "/entry");

  auto r = Reach(Input(root, {"/entry"}));
  ASSERT_EQ(r.binaries.size(), 1u);
  const BinaryReport& b = r.binaries[0];
  EXPECT_TRUE(b.status.ok()) << b.status;
  EXPECT_EQ(b.libc, LibcFlavour::kGlibc);
  EXPECT_EQ(b.libc_path, "/opt/real/libfake.so");
  EXPECT_EQ(b.libraries, (std::vector<std::string>{"/app/lib/libextra.so.1", "/custom/lib/libconf.so.1",
                                                   "/opt/real/libfake.so"}));
  EXPECT_EQ(b.missing_libraries,
            (std::vector<std::string>{"/lib64/ld-linux-x86-64.so.2", "libgone.so.1"}));
  EXPECT_THAT(Strings(r, "truncate"), Contains("imported by /entry as truncate"));
  EXPECT_THAT(Strings(r, "mkdir"), Contains("imported by /entry via /app/lib/libextra.so.1 as mkdir"));
  EXPECT_THAT(Strings(r, "sendfile"), Contains("imported by /entry via /custom/lib/libconf.so.1 as sendfile"));
  EXPECT_THAT(Strings(r, "getrusage"), testing::IsEmpty());
}

TEST(ReachableTest, ProblemsAreReportedPerBinary) {
  TestDir dir;
  Write(dir.path() + "/script.sh", "#!/bin/sh\nexit 0\n");
  Write(dir.path() + "/short", "\x7f" "ELF");
  auto r = Reach(Input(dir.path(), {"/script.sh", "/missing", "/short"}));
  ASSERT_EQ(r.binaries.size(), 3u);
  EXPECT_TRUE(absl::IsNotFound(r.binaries[0].status));
  EXPECT_THAT(r.binaries[1].status.message(), HasSubstr("script"));
  EXPECT_TRUE(absl::IsInvalidArgument(r.binaries[2].status));
  EXPECT_TRUE(r.syscalls.empty());
  EXPECT_FALSE(FindReachableSyscalls(Input(dir.path() + "/none", {})).ok());
}

TEST(ReachableTest, LoadedLibrariesAreScannedAndTheCLibraryIsNot) {
  auto r = Reach(Input("/", {}, {"/lib/x86_64-linux-gnu/libc.so.6",
                              "/usr/lib/x86_64-linux-gnu/libz.so.1"}));
  ASSERT_EQ(r.binaries.size(), 2u);
  EXPECT_FALSE(r.binaries[0].executable);
  EXPECT_TRUE(r.binaries[0].libraries.empty());  // libc.so.6: identified, not scanned
  EXPECT_THAT(Strings(r, "write"), Contains("imported by /usr/lib/x86_64-linux-gnu/libz.so.1 as write"));
  for (const auto& [name, evidence] : r.syscalls) {
    for (const Evidence& e : evidence) EXPECT_NE(e.binary, "/lib/x86_64-linux-gnu/libc.so.6") << name;
  }
}

}  // namespace
}  // namespace minpriv::imports
