// Helpers shared by the tests that run real binaries or need scratch directories
// (tests/, remediator/, verifier/, profiler/): library minpriv_test_util.
#ifndef MINPRIV_TESTS_TEST_UTIL_H_
#define MINPRIV_TESTS_TEST_UTIL_H_

#include <string>
#include <system_error>
#include <vector>

#include "util/process.h"

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

// util::Process::Spawn for tests: an empty handle (pid -1), and a test failure, when argv
// could not start.
util::Process SpawnOrFail(const std::vector<std::string>& argv,
                          const util::SpawnOptions& options);

// Starts `binary` as RunBinary does, without waiting for it: in a process group of its own,
// which the handle kills when it goes. An empty handle (pid -1), and a test failure, when it
// could not start.
util::Process StartBinary(const std::string& binary, const std::vector<std::string>& args,
                          const std::string& dir, const std::string& tag,
                          bool merge_stderr = false);

#ifdef MINPRIV_BINARY
// The minpriv binary of this build (the test target defines MINPRIV_BINARY).
inline RunResult RunMinpriv(const std::vector<std::string>& args, const std::string& dir,
                            const std::string& tag, bool merge_stderr = false) {
  return RunBinary(MINPRIV_BINARY, args, dir, tag, merge_stderr);
}

// The whole loop on a real program: `minpriv learn` CMD with EXERCISE into DIR/profile.yaml
// (named NAME), `minpriv propose` with MANIFEST into DIR/proposal, `minpriv verify` CMD with
// the same EXERCISE (report in DIR/report.json). A step runs only when the one before it
// exited 0; the others keep exit_code -1. `between` runs after learn (e.g. to snapshot what
// the program wrote on the host).
struct LoopResult {
  RunResult learn, propose, verify;
};
template <typename Between>
LoopResult LearnProposeVerify(const std::string& dir, const std::string& name,
                              const std::vector<std::string>& cmd, const std::string& exercise,
                              const std::string& manifest, Between between) {
  LoopResult r;
  std::vector<std::string> learn = {"learn", "--out", dir + "/profile.yaml", "--name", name,
                                    "--exercise", exercise, "--ready-timeout", "20s", "--"};
  learn.insert(learn.end(), cmd.begin(), cmd.end());
  r.learn = RunMinpriv(learn, dir, "learn");
  if (r.learn.exit_code != 0) return r;
  between();
  r.propose = RunMinpriv({"propose", "--profile", dir + "/profile.yaml", "--manifest", manifest,
                          "--out-dir", dir + "/proposal"},
                         dir, "propose");
  if (r.propose.exit_code != 0) return r;
  std::vector<std::string> verify = {"verify", "--proposal", dir + "/proposal", "--exercise",
                                     exercise, "--report", dir + "/report.json",
                                     "--ready-timeout", "20s", "--"};
  verify.insert(verify.end(), cmd.begin(), cmd.end());
  r.verify = RunMinpriv(verify, dir, "verify");
  return r;
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

// Removes `dir` when the current test has not failed so far; otherwise keeps it for
// inspection and says where it is.
void RemoveUnlessFailed(const std::string& dir);

// The contents of `path`; a failed read fails the current test and returns "".
std::string ReadFileOrFail(const std::string& path);

}  // namespace minpriv::test

#endif  // MINPRIV_TESTS_TEST_UTIL_H_
