// Helpers shared by the tests that run real binaries or need scratch directories
// (tests/, remediator/, verifier/, profiler/): library minpriv_test_util.
#ifndef MINPRIV_TESTS_TEST_UTIL_H_
#define MINPRIV_TESTS_TEST_UTIL_H_

#include <string>
#include <system_error>
#include <vector>

namespace minpriv::test {

struct RunResult {
  int exit_code = -1;  // 128+signal when killed by a signal
  std::string out;     // stdout (with stderr interleaved when merged)
  std::string err;
};

// Runs `binary` with `args` (no shell), stdin from /dev/null, and waits for it. Its stdout
// and stderr go to DIR/TAG.stdout and DIR/TAG.stderr, which are left in place for
// inspection; with `merge_stderr` both go to DIR/TAG.stdout, as with 2>&1.
RunResult RunBinary(const std::string& binary, const std::vector<std::string>& args,
                    const std::string& dir, const std::string& tag, bool merge_stderr = false);

#ifdef MINPRIV_BINARY
// The minpriv binary of this build (the test target defines MINPRIV_BINARY).
inline RunResult RunMinpriv(const std::vector<std::string>& args, const std::string& dir,
                            const std::string& tag, bool merge_stderr = false) {
  return RunBinary(MINPRIV_BINARY, args, dir, tag, merge_stderr);
}
#endif

// A fresh directory PREFIXxxxxxx (mkdtemp), removed with everything in it by Remove() or
// on destruction. A failed mkdtemp fails the current test and leaves path() empty.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "/tmp/minpriv-test-");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Removes the directory now; the error, if any.
  std::error_code Remove();

 private:
  std::string path_;
};

// A loopback TCP port that was free a moment ago (bound to port 0, then closed).
int FreeLoopbackPort();

// The contents of `path`; a failed read fails the current test and returns "".
std::string ReadFileOrFail(const std::string& path);

}  // namespace minpriv::test

#endif  // MINPRIV_TESTS_TEST_UTIL_H_
