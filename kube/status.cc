#include "kube/status.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace minpriv::kube {
namespace {

constexpr char kPayloadUrl[] = "type.minpriv.dev/kube.ApiError";

absl::StatusCode CodeFor(int http_code, absl::string_view reason) {
  switch (http_code) {
    case 400:
    case 422:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 409:
      return reason == "AlreadyExists" ? absl::StatusCode::kAlreadyExists
                                       : absl::StatusCode::kAborted;
    case 410:
      return absl::StatusCode::kOutOfRange;
    case 429:
      return absl::StatusCode::kResourceExhausted;
    default:
      break;
  }
  if (http_code >= 500) return absl::StatusCode::kUnavailable;
  if (http_code >= 400) return absl::StatusCode::kFailedPrecondition;
  return absl::StatusCode::kUnknown;
}

std::string DefaultReason(int http_code) {
  switch (http_code) {
    case 404:
      return "NotFound";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 422:
      return "Invalid";
    default:
      return "";
  }
}

absl::Status Make(int http_code, std::string reason, absl::string_view message,
                  absl::string_view what) {
  if (reason.empty()) reason = DefaultReason(http_code);
  std::string text = absl::StrCat(what, ": HTTP ", http_code);
  if (!reason.empty()) absl::StrAppend(&text, " ", reason);
  if (!message.empty()) absl::StrAppend(&text, ": ", message);
  absl::Status status(CodeFor(http_code, reason), text);
  status.SetPayload(kPayloadUrl, absl::Cord(absl::StrCat(http_code, " ", reason)));
  return status;
}

std::string StringField(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

}  // namespace

absl::Status StatusFromApiStatus(const nlohmann::json& status_object, absl::string_view what) {
  int code = 0;
  if (status_object.is_object()) {
    auto it = status_object.find("code");
    if (it != status_object.end() && it->is_number_integer()) code = it->get<int>();
  }
  if (code == 0) code = 500;
  if (!status_object.is_object()) return Make(code, "", "malformed Status object", what);
  return Make(code, StringField(status_object, "reason"), StringField(status_object, "message"),
              what);
}

absl::Status StatusFromResponse(int http_code, absl::string_view body, absl::string_view what) {
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && StringField(parsed, "kind") == "Status") {
    return Make(http_code, StringField(parsed, "reason"), StringField(parsed, "message"), what);
  }
  std::string excerpt(body.substr(0, 200));
  for (char& c : excerpt) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return Make(http_code, "", excerpt, what);
}

int HttpCode(const absl::Status& status) {
  auto payload = status.GetPayload(kPayloadUrl);
  if (!payload) return 0;
  std::pair<std::string, std::string> parts =
      absl::StrSplit(std::string(*payload), absl::MaxSplits(' ', 1));
  int code = 0;
  return absl::SimpleAtoi(parts.first, &code) ? code : 0;
}

std::string Reason(const absl::Status& status) {
  auto payload = status.GetPayload(kPayloadUrl);
  if (!payload) return "";
  std::pair<std::string, std::string> parts =
      absl::StrSplit(std::string(*payload), absl::MaxSplits(' ', 1));
  return parts.second;
}

bool IsConflict(const absl::Status& status) {
  return HttpCode(status) == 409 && Reason(status) != "AlreadyExists";
}
bool IsGone(const absl::Status& status) {
  return HttpCode(status) == 410 || Reason(status) == "Expired";
}

}  // namespace minpriv::kube
