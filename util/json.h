// The one JSON value and writer of minpriv (OCI runtime specs, verify reports, seccomp
// profiles, JSON patches, proposal summaries). It only builds and serialises: input JSON is
// parsed with yaml-cpp by its adapters, which report line and column.
//
// Objects keep their members in insertion order; Dump(KeyOrder::kSorted) writes every
// object's keys sorted instead, so a caller that fills an object in any order still gets the
// same bytes for the same value. Numbers are kept as their decimal text.
#ifndef MINPRIV_UTIL_JSON_H_
#define MINPRIV_UTIL_JSON_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/json_format.h"  // JsonEscape

namespace minpriv::util {

class Json {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  enum class KeyOrder { kInserted, kSorted };
  using Members = std::vector<std::pair<std::string, Json>>;

  Json() = default;
  Json(std::nullptr_t) {}
  Json(bool b) : type_(Type::kBool), bool_(b) {}
  Json(int v) : Json(static_cast<int64_t>(v)) {}
  Json(int64_t v) : type_(Type::kNumber), text_(std::to_string(v)) {}
  Json(uint32_t v) : Json(static_cast<int64_t>(v)) {}
  Json(uint64_t v) : type_(Type::kNumber), text_(std::to_string(v)) {}
  Json(const char* s) : type_(Type::kString), text_(s) {}
  Json(std::string s) : type_(Type::kString), text_(std::move(s)) {}
  Json(std::string_view s) : type_(Type::kString), text_(s) {}

  static Json Null() { return Json(); }
  static Json Bool(bool b) { return Json(b); }
  static Json Number(int64_t n) { return Json(n); }
  // A number given as its JSON text (the caller guarantees it is a valid JSON number).
  static Json RawNumber(std::string text);
  static Json String(std::string s) { return Json(std::move(s)); }
  static Json Array();
  static Json Object();
  static Json StringArray(const std::vector<std::string>& items);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }

  // Object member: appends (or replaces an existing key). A null value becomes an object.
  Json& Set(std::string key, Json value);
  // Object member by key, appended as null when missing. A null value becomes an object.
  Json& operator[](const std::string& key);
  // Array append. A null value becomes an array.
  Json& Push(Json value);

  const Members& members() const { return object_; }
  const std::vector<Json>& items() const { return array_; }
  const std::string& text() const { return text_; }  // string value or number text
  bool boolean() const { return bool_; }

  // Pretty-printed with two-space indentation and a trailing newline at top level.
  std::string Dump(KeyOrder order = KeyOrder::kInserted) const;
  // Single line, no spaces, no trailing newline.
  std::string DumpCompact(KeyOrder order = KeyOrder::kInserted) const;

 private:
  void DumpTo(std::string& out, int indent, bool pretty, KeyOrder order) const;

  Type type_ = Type::kNull;
  bool bool_ = false;
  std::string text_;
  std::vector<Json> array_;
  Members object_;
};

}  // namespace minpriv::util

#endif  // MINPRIV_UTIL_JSON_H_
