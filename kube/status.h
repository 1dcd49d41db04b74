// Kubernetes API errors as absl::Status values. The server's `Status` body (message, reason,
// code) becomes the Status message, and the HTTP code and reason ride along as a payload so a
// caller can tell a Conflict from an AlreadyExists, or a 410 Gone from anything else.
//
// Mapping (HTTP → absl code): 400/422 InvalidArgument, 401 Unauthenticated, 403
// PermissionDenied, 404 NotFound, 409 Aborted (reason Conflict) or AlreadyExists (reason
// AlreadyExists), 410 OutOfRange (the watch/list resourceVersion expired: relist), 429
// ResourceExhausted, 5xx Unavailable, other 4xx FailedPrecondition.
#ifndef MINPRIV_KUBE_STATUS_H_
#define MINPRIV_KUBE_STATUS_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace minpriv::kube {

// Builds the Status for an HTTP error response. `body` may be a JSON `Status` object, other
// JSON, or anything else (then the HTTP code and a short excerpt of the body are used).
// `what` says which request failed (e.g. "GET /api/v1/namespaces/x/pods/y"); it must never
// contain credentials.
absl::Status StatusFromResponse(int http_code, absl::string_view body, absl::string_view what);

// The same from an already parsed `Status` object (e.g. a watch ERROR event's object).
absl::Status StatusFromApiStatus(const nlohmann::json& status_object, absl::string_view what);

// The HTTP code an API error carried (0 when `status` did not come from an HTTP response).
int HttpCode(const absl::Status& status);
// The Kubernetes reason an API error carried ("Conflict", "AlreadyExists", "Expired", "Gone",
// "NotFound", ...; empty when unknown).
std::string Reason(const absl::Status& status);

// 404 and 409 AlreadyExists need no helper of their own: absl::IsNotFound(status) and
// absl::IsAlreadyExists(status) tell them, since only those answers map to those codes.
// 409 with reason Conflict (a stale resourceVersion): re-read and retry.
bool IsConflict(const absl::Status& status);
// 410 Gone / reason Expired: the resourceVersion is too old; relist.
bool IsGone(const absl::Status& status);

}  // namespace minpriv::kube

#endif  // MINPRIV_KUBE_STATUS_H_
