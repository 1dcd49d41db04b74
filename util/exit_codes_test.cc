// The one Status → exit code mapping, and the names README.md's "Exit codes" paragraph uses.
#include "util/exit_codes.h"

#include <signal.h>

#include <gtest/gtest.h>

namespace minpriv::util {
namespace {

TEST(ExitCodesTest, NamesMatchTheDocumentedNumbers) {
  EXPECT_EQ(kExitOk, 0);
  EXPECT_EQ(kExitFailure, 1);
  EXPECT_EQ(kExitUsage, 2);
  EXPECT_EQ(kExitBroken, 3);
  EXPECT_EQ(ExitCodeForSignal(SIGINT), 130);
  EXPECT_EQ(ExitCodeForSignal(SIGTERM), 143);
}

TEST(ExitCodesTest, UserMistakesAreUsageErrorsTheRestFailures) {
  EXPECT_EQ(ExitCodeFor(absl::OkStatus()), kExitOk);
  EXPECT_EQ(ExitCodeFor(absl::InvalidArgumentError("x")), kExitUsage);
  EXPECT_EQ(ExitCodeFor(absl::NotFoundError("x")), kExitUsage);
  EXPECT_EQ(ExitCodeFor(absl::OutOfRangeError("x")), kExitUsage);
  EXPECT_EQ(ExitCodeFor(absl::UnavailableError("x")), kExitFailure);
  EXPECT_EQ(ExitCodeFor(absl::InternalError("x")), kExitFailure);
  // Not root is the environment's; an unreadable input file of propose is the user's.
  EXPECT_EQ(ExitCodeFor(absl::PermissionDeniedError("x")), kExitFailure);
  EXPECT_EQ(ExitCodeFor(absl::PermissionDeniedError("x"), PermissionDenied::kUserInput),
            kExitUsage);
}

}  // namespace
}  // namespace minpriv::util
