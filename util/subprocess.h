// Child processes owned by move-only RAII handles: a Subprocess that is still running when
// its handle is destroyed is killed (SIGKILL) and reaped, so no child outlives its owner.
#ifndef MINPRIV_UTIL_SUBPROCESS_H_
#define MINPRIV_UTIL_SUBPROCESS_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace minpriv::util {

class Subprocess {
 public:
  struct Options {
    // Redirect stdout/stderr to this file (appended); empty: inherit.
    std::string output_file;
  };
  // Starts argv[0] (searched in PATH) with argv.
  static absl::StatusOr<Subprocess> Start(const std::vector<std::string>& argv,
                                          const Options& options);
  static absl::StatusOr<Subprocess> Start(const std::vector<std::string>& argv) {
    return Start(argv, Options());
  }

  Subprocess() = default;
  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&& other) noexcept;
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  ~Subprocess();

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }

  // Waits for exit; returns the exit code (128+signal when killed by a signal).
  int Wait();
  // Waits up to `timeout`; nullopt when still running.
  std::optional<int> WaitFor(absl::Duration timeout);
  // SIGTERM, then SIGKILL after `grace`; returns the exit code.
  int Stop(absl::Duration grace);

 private:
  explicit Subprocess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
};

// Runs argv to completion; returns its exit code.
absl::StatusOr<int> Run(const std::vector<std::string>& argv);

// Runs argv to completion with its output discarded; returns its exit code.
absl::StatusOr<int> RunQuiet(const std::vector<std::string>& argv);

// The running binary's own path (/proc/self/exe).
std::string SelfExe();

}  // namespace minpriv::util

#endif  // MINPRIV_UTIL_SUBPROCESS_H_
