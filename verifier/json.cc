#include "verifier/json.h"

#include <cstdio>

namespace minpriv::verifier {

Json Json::StringArray(const std::vector<std::string>& items) {
  Array a;
  a.reserve(items.size());
  for (const auto& s : items) a.emplace_back(s);
  return Json(std::move(a));
}

Json& Json::operator[](const std::string& key) {
  if (is_null()) value_ = Object{};
  return std::get<Object>(value_)[key];
}

void Json::push_back(Json v) {
  if (is_null()) value_ = Array{};
  std::get<Array>(value_).push_back(std::move(v));
}

std::string JsonQuote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

void Json::DumpTo(std::string& out, int indent) const {
  auto newline = [&out](int n) {
    out += '\n';
    out.append(static_cast<size_t>(n) * 2, ' ');
  };
  if (std::holds_alternative<std::nullptr_t>(value_)) {
    out += "null";
  } else if (auto* b = std::get_if<bool>(&value_)) {
    out += *b ? "true" : "false";
  } else if (auto* i = std::get_if<int64_t>(&value_)) {
    out += std::to_string(*i);
  } else if (auto* u = std::get_if<uint64_t>(&value_)) {
    out += std::to_string(*u);
  } else if (auto* s = std::get_if<std::string>(&value_)) {
    out += JsonQuote(*s);
  } else if (auto* a = std::get_if<Array>(&value_)) {
    if (a->empty()) {
      out += "[]";
      return;
    }
    out += '[';
    for (size_t k = 0; k < a->size(); ++k) {
      if (k) out += ',';
      newline(indent + 1);
      (*a)[k].DumpTo(out, indent + 1);
    }
    newline(indent);
    out += ']';
  } else if (auto* o = std::get_if<Object>(&value_)) {
    if (o->empty()) {
      out += "{}";
      return;
    }
    out += '{';
    bool first = true;
    for (const auto& [k, v] : *o) {
      if (!first) out += ',';
      first = false;
      newline(indent + 1);
      out += JsonQuote(k);
      out += ": ";
      v.DumpTo(out, indent + 1);
    }
    newline(indent);
    out += '}';
  }
}

std::string Json::Dump() const {
  std::string out;
  DumpTo(out, 0);
  out += '\n';
  return out;
}

}  // namespace minpriv::verifier
