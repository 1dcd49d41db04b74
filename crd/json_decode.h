// Strict reading of JSON objects for the codecs of this module (internal to crd/). Every
// helper names the field by its path ("spec.decision", "status.conditions[2].type") in the
// error. Errors are thrown as DecodeError inside a codec and turned into an InvalidArgument
// status at its public function (DecodeAll); no exception leaves crd/.
#ifndef MINPRIV_CRD_JSON_DECODE_H_
#define MINPRIV_CRD_JSON_DECODE_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace minpriv::crd::json_decode {

struct DecodeError {
  std::string message;
};

[[noreturn]] void Fail(const std::string& path, const std::string& what);

// "a string", "an object", ... for messages.
std::string TypeName(const nlohmann::json& j);

// The fields of object `j` (null counts as an empty object), failing on a non-object and on
// any key not in `allowed`. Null values count as absent (Kubernetes writes them for unset
// optional fields), so Get() returns nullptr for them.
class Object {
 public:
  Object(const nlohmann::json& j, std::string path, std::initializer_list<const char*> allowed);
  // Like the above but unknown keys are ignored (object metadata the server adds).
  Object(const nlohmann::json& j, std::string path);

  const nlohmann::json* Get(const char* key) const;
  const nlohmann::json& Required(const char* key) const;
  std::string Path(const char* key) const;
  const std::string& path() const { return path_; }

 private:
  const nlohmann::json* j_;
  std::string path_;
};

std::string String(const nlohmann::json& j, const std::string& path);
std::string NonEmptyString(const nlohmann::json& j, const std::string& path);
bool Bool(const nlohmann::json& j, const std::string& path);
int64_t Int(const nlohmann::json& j, const std::string& path, int64_t min, int64_t max);
// Requires an RFC3339 time (empty allowed only when `allow_empty`).
std::string Time(const nlohmann::json& j, const std::string& path, bool allow_empty = false);
// One of `names`; returns its index. Message: "PATH: 'X' is not one of A, B, C".
size_t Enum(const nlohmann::json& j, const std::string& path,
            const std::vector<std::string>& names);
// The items of array `j` (null: none), each passed with its path "PATH[i]".
void Array(const nlohmann::json& j, const std::string& path,
           const std::function<void(const nlohmann::json&, const std::string&)>& item);
std::vector<std::string> StringArray(const nlohmann::json& j, const std::string& path);
std::map<std::string, std::string> StringMap(const nlohmann::json& j, const std::string& path);
// A JSON object kept as is (only its type is checked).
nlohmann::json AnyObject(const nlohmann::json& j, const std::string& path);

// The value of a StatusOr from another decoder, or a DecodeError with its message.
template <typename T>
T Unwrap(absl::StatusOr<T> v) {
  if (!v.ok()) throw DecodeError{std::string(v.status().message())};
  return *std::move(v);
}

// Runs `body`, turning a DecodeError (and any nlohmann exception, which would be a bug in a
// decoder) into InvalidArgument "WHAT: message" ("message" alone when `what` is empty).
absl::Status DecodeAll(const std::string& what, const std::function<void()>& body);

}  // namespace minpriv::crd::json_decode

#endif  // MINPRIV_CRD_JSON_DECODE_H_
