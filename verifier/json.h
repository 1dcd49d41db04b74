// A small JSON value for the documents the verifier writes (OCI runtime spec, reports).
// Objects keep their keys sorted (std::map), so the same value always dumps to the same
// bytes. Parsing of input JSON (seccomp profiles) goes through yaml-cpp, which reports
// line and column; this type only builds and serialises.
#ifndef MINPRIV_VERIFIER_JSON_H_
#define MINPRIV_VERIFIER_JSON_H_

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace minpriv::verifier {

class Json {
 public:
  using Array = std::vector<Json>;
  using Object = std::map<std::string, Json>;

  Json() : value_(nullptr) {}
  Json(std::nullptr_t) : value_(nullptr) {}
  Json(bool b) : value_(b) {}
  Json(int v) : value_(static_cast<int64_t>(v)) {}
  Json(int64_t v) : value_(v) {}
  Json(uint32_t v) : value_(static_cast<int64_t>(v)) {}
  Json(uint64_t v) : value_(v) {}
  Json(const char* s) : value_(std::string(s)) {}
  Json(std::string s) : value_(std::move(s)) {}
  Json(std::string_view s) : value_(std::string(s)) {}
  Json(Array a) : value_(std::move(a)) {}
  Json(Object o) : value_(std::move(o)) {}

  static Json MakeArray() { return Json(Array{}); }
  static Json MakeObject() { return Json(Object{}); }
  static Json StringArray(const std::vector<std::string>& items);

  bool is_null() const { return std::holds_alternative<std::nullptr_t>(value_); }
  bool is_object() const { return std::holds_alternative<Object>(value_); }
  bool is_array() const { return std::holds_alternative<Array>(value_); }

  // Object access; converts a null value into an empty object first.
  Json& operator[](const std::string& key);
  // Array append; converts a null value into an empty array first.
  void push_back(Json v);

  const Object& object() const { return std::get<Object>(value_); }
  const Array& array() const { return std::get<Array>(value_); }
  const std::string& string() const { return std::get<std::string>(value_); }

  // Pretty-printed with two-space indentation and a trailing newline at top level.
  std::string Dump() const;

  bool operator==(const Json&) const = default;

 private:
  void DumpTo(std::string& out, int indent) const;
  std::variant<std::nullptr_t, bool, int64_t, uint64_t, std::string, Array, Object> value_;
};

// JSON string literal (with quotes) for `s`.
std::string JsonQuote(std::string_view s);

}  // namespace minpriv::verifier

#endif  // MINPRIV_VERIFIER_JSON_H_
