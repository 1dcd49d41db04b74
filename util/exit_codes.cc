#include "util/exit_codes.h"

namespace minpriv::util {

int ExitCodeFor(const absl::Status& status, PermissionDenied permission) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return kExitOk;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kOutOfRange:
      return kExitUsage;
    case absl::StatusCode::kPermissionDenied:
      return permission == PermissionDenied::kUserInput ? kExitUsage : kExitFailure;
    default:
      return kExitFailure;
  }
}

}  // namespace minpriv::util
