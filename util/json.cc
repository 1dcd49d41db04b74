#include "util/json.h"

#include <algorithm>
#include <cstdio>

namespace minpriv::util {

Json Json::RawNumber(std::string text) {
  Json j;
  j.type_ = Type::kNumber;
  j.text_ = std::move(text);
  return j;
}

Json Json::Array() {
  Json j;
  j.type_ = Type::kArray;
  return j;
}

Json Json::Object() {
  Json j;
  j.type_ = Type::kObject;
  return j;
}

Json Json::StringArray(const std::vector<std::string>& items) {
  Json j = Array();
  j.array_.reserve(items.size());
  for (const auto& s : items) j.array_.emplace_back(s);
  return j;
}

Json& Json::operator[](const std::string& key) {
  if (type_ == Type::kNull) type_ = Type::kObject;
  for (auto& kv : object_) {
    if (kv.first == key) return kv.second;
  }
  return object_.emplace_back(key, Json()).second;
}

Json& Json::Set(std::string key, Json value) {
  (*this)[key] = std::move(value);
  return *this;
}

Json& Json::Push(Json value) {
  if (type_ == Type::kNull) type_ = Type::kArray;
  array_.push_back(std::move(value));
  return *this;
}

void Json::DumpTo(std::string& out, int indent, bool pretty, KeyOrder order) const {
  auto newline = [&](int level) {
    if (!pretty) return;
    out.push_back('\n');
    out.append(static_cast<size_t>(level) * 2, ' ');
  };
  switch (type_) {
    case Type::kNull: out += "null"; return;
    case Type::kBool: out += bool_ ? "true" : "false"; return;
    case Type::kNumber: out += text_; return;
    case Type::kString:
      out.push_back('"');
      out += JsonEscape(text_);
      out.push_back('"');
      return;
    case Type::kArray: {
      if (array_.empty()) {
        out += "[]";
        return;
      }
      out.push_back('[');
      for (size_t i = 0; i < array_.size(); ++i) {
        if (i > 0) out.push_back(',');
        newline(indent + 1);
        array_[i].DumpTo(out, indent + 1, pretty, order);
      }
      newline(indent);
      out.push_back(']');
      return;
    }
    case Type::kObject: {
      if (object_.empty()) {
        out += "{}";
        return;
      }
      std::vector<const std::pair<std::string, Json>*> members;
      members.reserve(object_.size());
      for (const auto& kv : object_) members.push_back(&kv);
      if (order == KeyOrder::kSorted) {
        std::sort(members.begin(), members.end(),
                  [](const auto* a, const auto* b) { return a->first < b->first; });
      }
      out.push_back('{');
      for (size_t i = 0; i < members.size(); ++i) {
        if (i > 0) out.push_back(',');
        newline(indent + 1);
        out.push_back('"');
        out += JsonEscape(members[i]->first);
        out += pretty ? "\": " : "\":";
        members[i]->second.DumpTo(out, indent + 1, pretty, order);
      }
      newline(indent);
      out.push_back('}');
      return;
    }
  }
}

std::string Json::Dump(KeyOrder order) const {
  std::string out;
  DumpTo(out, 0, true, order);
  out.push_back('\n');
  return out;
}

std::string Json::DumpCompact(KeyOrder order) const {
  std::string out;
  DumpTo(out, 0, false, order);
  return out;
}

}  // namespace minpriv::util
