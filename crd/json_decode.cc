#include "crd/json_decode.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

namespace minpriv::crd::json_decode {

void Fail(const std::string& path, const std::string& what) {
  throw DecodeError{path.empty() ? absl::StrCat("the object ", what)
                                 : absl::StrCat(path, ": ", what)};
}

std::string TypeName(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return "an integer";
    case nlohmann::json::value_t::number_float: return "a number";
    default: return "an unsupported value";
  }
}

namespace {
const nlohmann::json& EmptyObject() {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  return kEmpty;
}
}  // namespace

Object::Object(const nlohmann::json& j, std::string path) : j_(&j), path_(std::move(path)) {
  if (j.is_null()) {
    j_ = &EmptyObject();
  } else if (!j.is_object()) {
    Fail(path_, absl::StrCat("must be an object, found ", TypeName(j)));
  }
}

Object::Object(const nlohmann::json& j, std::string path,
               std::initializer_list<const char*> allowed)
    : Object(j, std::move(path)) {
  for (const auto& [key, value] : j_->items()) {
    bool known = false;
    for (const char* a : allowed) known = known || key == a;
    if (!known) {
      Fail(Path(key.c_str()), absl::StrCat("unknown field (allowed: ",
                                           absl::StrJoin(allowed, ", "), ")"));
    }
  }
}

std::string Object::Path(const char* key) const {
  return path_.empty() ? std::string(key) : absl::StrCat(path_, ".", key);
}

const nlohmann::json* Object::Get(const char* key) const {
  auto it = j_->find(key);
  if (it == j_->end() || it->is_null()) return nullptr;
  return &*it;
}

const nlohmann::json& Object::Required(const char* key) const {
  const nlohmann::json* v = Get(key);
  if (v == nullptr) Fail(Path(key), "is required");
  return *v;
}

std::string String(const nlohmann::json& j, const std::string& path) {
  if (!j.is_string()) Fail(path, absl::StrCat("must be a string, found ", TypeName(j)));
  return j.get<std::string>();
}

std::string NonEmptyString(const nlohmann::json& j, const std::string& path) {
  std::string s = String(j, path);
  if (s.empty()) Fail(path, "must not be empty");
  return s;
}

bool Bool(const nlohmann::json& j, const std::string& path) {
  if (!j.is_boolean()) Fail(path, absl::StrCat("must be true or false, found ", TypeName(j)));
  return j.get<bool>();
}

int64_t Int(const nlohmann::json& j, const std::string& path, int64_t min, int64_t max) {
  int64_t v = 0;
  if (j.is_number_unsigned()) {
    uint64_t u = j.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) {
      Fail(path, absl::StrCat("must be from ", min, " to ", max));
    }
    v = static_cast<int64_t>(u);
  } else if (j.is_number_integer()) {
    v = j.get<int64_t>();
  } else {
    Fail(path, absl::StrCat("must be an integer, found ", TypeName(j)));
  }
  if (v < min || v > max) Fail(path, absl::StrCat("must be from ", min, " to ", max, ", found ", v));
  return v;
}

std::string Time(const nlohmann::json& j, const std::string& path, bool allow_empty) {
  std::string s = String(j, path);
  if (s.empty() && allow_empty) return s;
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, s, &t, &err)) {
    Fail(path, absl::StrCat("'", s, "' is not an RFC3339 time such as 2026-01-31T12:00:00Z"));
  }
  return s;
}

size_t Enum(const nlohmann::json& j, const std::string& path,
            const std::vector<std::string>& names) {
  std::string s = String(j, path);
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == s) return i;
  }
  Fail(path, absl::StrCat("'", s, "' is not one of ", absl::StrJoin(names, ", ")));
}

void Array(const nlohmann::json& j, const std::string& path,
           const std::function<void(const nlohmann::json&, const std::string&)>& item) {
  if (j.is_null()) return;
  if (!j.is_array()) Fail(path, absl::StrCat("must be an array, found ", TypeName(j)));
  for (size_t i = 0; i < j.size(); ++i) item(j[i], absl::StrCat(path, "[", i, "]"));
}

std::vector<std::string> StringArray(const nlohmann::json& j, const std::string& path) {
  std::vector<std::string> out;
  Array(j, path, [&](const nlohmann::json& e, const std::string& p) { out.push_back(String(e, p)); });
  return out;
}

std::map<std::string, std::string> StringMap(const nlohmann::json& j, const std::string& path) {
  std::map<std::string, std::string> out;
  Object o(j, path);
  if (j.is_null()) return out;
  for (const auto& [key, value] : j.items()) out[key] = String(value, o.Path(key.c_str()));
  return out;
}

nlohmann::json AnyObject(const nlohmann::json& j, const std::string& path) {
  if (!j.is_object()) Fail(path, absl::StrCat("must be an object, found ", TypeName(j)));
  return j;
}

absl::Status DecodeAll(const std::string& what, const std::function<void()>& body) {
  try {
    body();
    return absl::OkStatus();
  } catch (const DecodeError& e) {
    return absl::InvalidArgumentError(what.empty() ? e.message
                                                   : absl::StrCat(what, ": ", e.message));
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(what.empty() ? "" : what + ": ", "malformed JSON value: ", e.what()));
  }
}

}  // namespace minpriv::crd::json_decode
