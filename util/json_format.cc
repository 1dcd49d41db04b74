#include "util/json_format.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace minpriv::util {
namespace {

template <typename Json>
class Writer {
 public:
  Writer(bool pretty, bool sort_keys) : pretty_(pretty), sort_keys_(sort_keys) {}

  void Write(const Json& v, int level) {
    switch (v.type()) {
      case nlohmann::json::value_t::null:
      case nlohmann::json::value_t::discarded:
        out_ += "null";
        return;
      case nlohmann::json::value_t::boolean:
        out_ += v.template get<bool>() ? "true" : "false";
        return;
      case nlohmann::json::value_t::number_integer:
        out_ += std::to_string(v.template get<int64_t>());
        return;
      case nlohmann::json::value_t::number_unsigned:
        out_ += std::to_string(v.template get<uint64_t>());
        return;
      case nlohmann::json::value_t::number_float:
        out_ += v.dump();  // nlohmann's shortest round-trip text for a double
        return;
      case nlohmann::json::value_t::binary: {
        const auto& bytes = v.get_binary();
        if (bytes.has_subtype() && bytes.subtype() == kRawNumberSubtype) {
          out_.append(bytes.begin(), bytes.end());
        } else {
          out_ += v.dump();
        }
        return;
      }
      case nlohmann::json::value_t::string:
        String(v.template get_ref<const std::string&>());
        return;
      case nlohmann::json::value_t::array:
        Array(v, level);
        return;
      case nlohmann::json::value_t::object:
        Object(v, level);
        return;
    }
  }

  std::string Take() { return std::move(out_); }

 private:
  void Newline(int level) {
    if (!pretty_) return;
    out_.push_back('\n');
    out_.append(static_cast<size_t>(level) * 2, ' ');
  }

  void String(std::string_view s) {
    out_.push_back('"');
    out_ += JsonEscape(s);
    out_.push_back('"');
  }

  void Array(const Json& v, int level) {
    if (v.empty()) {
      out_ += "[]";
      return;
    }
    out_.push_back('[');
    bool first = true;
    for (const auto& item : v) {
      if (!first) out_.push_back(',');
      first = false;
      Newline(level + 1);
      Write(item, level + 1);
    }
    Newline(level);
    out_.push_back(']');
  }

  void Object(const Json& v, int level) {
    if (v.empty()) {
      out_ += "{}";
      return;
    }
    std::vector<std::pair<const std::string*, const Json*>> members;
    members.reserve(v.size());
    for (auto it = v.begin(); it != v.end(); ++it) members.emplace_back(&it.key(), &it.value());
    if (sort_keys_) {
      std::sort(members.begin(), members.end(),
                [](const auto& a, const auto& b) { return *a.first < *b.first; });
    }
    out_.push_back('{');
    for (size_t i = 0; i < members.size(); ++i) {
      if (i > 0) out_.push_back(',');
      Newline(level + 1);
      String(*members[i].first);
      out_ += pretty_ ? ": " : ":";
      Write(*members[i].second, level + 1);
    }
    Newline(level);
    out_.push_back('}');
  }

  const bool pretty_;
  const bool sort_keys_;
  std::string out_;
};

template <typename Json>
std::string Dump(const Json& value, bool pretty, bool sort_keys) {
  Writer<Json> w(pretty, sort_keys);
  w.Write(value, 0);
  std::string out = w.Take();
  if (pretty) out.push_back('\n');
  return out;
}

}  // namespace

nlohmann::ordered_json RawNumber(std::string_view text) {
  return nlohmann::ordered_json::binary(std::vector<uint8_t>(text.begin(), text.end()),
                                        kRawNumberSubtype);
}

bool IsRawNumber(const nlohmann::ordered_json& value) {
  return value.is_binary() && value.get_binary().has_subtype() &&
         value.get_binary().subtype() == kRawNumberSubtype;
}

std::string DumpPretty(const nlohmann::ordered_json& value, bool sort_keys) {
  return Dump(value, /*pretty=*/true, sort_keys);
}

std::string DumpPretty(const nlohmann::json& value) {
  return Dump(value, /*pretty=*/true, /*sort_keys=*/false);
}

std::string DumpCompact(const nlohmann::ordered_json& value, bool sort_keys) {
  return Dump(value, /*pretty=*/false, sort_keys);
}

std::string DumpCompact(const nlohmann::json& value) {
  return Dump(value, /*pretty=*/false, /*sort_keys=*/false);
}

std::string JsonEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out;
}

}  // namespace minpriv::util
