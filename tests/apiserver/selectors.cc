#include "selectors.h"

#include <algorithm>
#include <cctype>

namespace minpriv::apiserver {
namespace {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// Splits on commas that are not inside parentheses.
std::vector<std::string> SplitTerms(const std::string& text) {
  std::vector<std::string> terms;
  std::string cur;
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      terms.push_back(Trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!Trim(cur).empty() || !terms.empty()) terms.push_back(Trim(cur));
  return terms;
}

bool ValidKey(const std::string& k) {
  if (k.empty()) return false;
  return std::all_of(k.begin(), k.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == '/';
  });
}

}  // namespace

std::optional<std::string> FieldValue(const nlohmann::json& object, const std::string& path) {
  const nlohmann::json* cur = &object;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object() || !cur->contains(part)) return std::nullopt;
    cur = &(*cur)[part];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_null()) return std::nullopt;
  return cur->dump();
}

std::optional<Selector> Selector::ParseLabels(const std::string& text, std::string* error) {
  Selector sel;
  for (const std::string& term : SplitTerms(text)) {
    if (term.empty()) {
      *error = "unable to parse requirement: found '', expected: identifier";
      return std::nullopt;
    }
    Requirement r;
    auto set_in = [&](size_t pos, size_t len, Requirement::Op op) -> bool {
      r.key = Trim(term.substr(0, pos));
      r.op = op;
      std::string rest = Trim(term.substr(pos + len));
      if (rest.size() < 2 || rest.front() != '(' || rest.back() != ')') return false;
      std::string inner = rest.substr(1, rest.size() - 2);
      size_t s = 0;
      while (true) {
        size_t c = inner.find(',', s);
        std::string v = Trim(inner.substr(s, c == std::string::npos ? std::string::npos : c - s));
        r.values.push_back(v);
        if (c == std::string::npos) break;
        s = c + 1;
      }
      return true;
    };
    size_t pos;
    bool ok = true;
    if (term[0] == '!') {
      r.key = Trim(term.substr(1));
      r.op = Requirement::Op::kDoesNotExist;
    } else if ((pos = term.find(" notin ")) != std::string::npos) {
      ok = set_in(pos, 7, Requirement::Op::kNotIn);
    } else if ((pos = term.find(" in ")) != std::string::npos) {
      ok = set_in(pos, 4, Requirement::Op::kIn);
    } else if ((pos = term.find("!=")) != std::string::npos) {
      r.key = Trim(term.substr(0, pos));
      r.op = Requirement::Op::kNotEquals;
      r.values = {Trim(term.substr(pos + 2))};
    } else if ((pos = term.find("==")) != std::string::npos) {
      r.key = Trim(term.substr(0, pos));
      r.op = Requirement::Op::kEquals;
      r.values = {Trim(term.substr(pos + 2))};
    } else if ((pos = term.find('=')) != std::string::npos) {
      r.key = Trim(term.substr(0, pos));
      r.op = Requirement::Op::kEquals;
      r.values = {Trim(term.substr(pos + 1))};
    } else {
      r.key = term;
      r.op = Requirement::Op::kExists;
    }
    if (!ok || !ValidKey(r.key)) {
      *error = "unable to parse requirement: \"" + term + "\"";
      return std::nullopt;
    }
    sel.requirements_.push_back(std::move(r));
  }
  return sel;
}

std::optional<Selector> Selector::ParseFields(const std::string& text,
                                              const std::vector<std::string>& supported,
                                              std::string* error) {
  Selector sel;
  for (const std::string& term : SplitTerms(text)) {
    Requirement r;
    size_t pos;
    if ((pos = term.find("!=")) != std::string::npos) {
      r.op = Requirement::Op::kNotEquals;
      r.key = Trim(term.substr(0, pos));
      r.values = {Trim(term.substr(pos + 2))};
    } else if ((pos = term.find("==")) != std::string::npos) {
      r.op = Requirement::Op::kEquals;
      r.key = Trim(term.substr(0, pos));
      r.values = {Trim(term.substr(pos + 2))};
    } else if ((pos = term.find('=')) != std::string::npos) {
      r.op = Requirement::Op::kEquals;
      r.key = Trim(term.substr(0, pos));
      r.values = {Trim(term.substr(pos + 1))};
    } else {
      *error = "invalid selector: '" + text + "'; can't understand '" + term + "'";
      return std::nullopt;
    }
    if (std::find(supported.begin(), supported.end(), r.key) == supported.end()) {
      *error = "field label not supported: " + r.key;
      return std::nullopt;
    }
    sel.requirements_.push_back(std::move(r));
  }
  return sel;
}

bool Selector::Matches(const std::optional<std::string>& value, const Requirement& r) const {
  switch (r.op) {
    case Requirement::Op::kEquals:
      return value && *value == r.values[0];
    case Requirement::Op::kNotEquals:
      return !value || *value != r.values[0];
    case Requirement::Op::kIn:
      return value && std::find(r.values.begin(), r.values.end(), *value) != r.values.end();
    case Requirement::Op::kNotIn:
      return !value || std::find(r.values.begin(), r.values.end(), *value) == r.values.end();
    case Requirement::Op::kExists:
      return value.has_value();
    case Requirement::Op::kDoesNotExist:
      return !value.has_value();
  }
  return false;
}

bool Selector::MatchesLabels(const nlohmann::json& object) const {
  const nlohmann::json* labels = nullptr;
  if (object.contains("metadata") && object["metadata"].contains("labels"))
    labels = &object["metadata"]["labels"];
  for (const auto& r : requirements_) {
    std::optional<std::string> v;
    if (labels && labels->is_object() && labels->contains(r.key) && (*labels)[r.key].is_string())
      v = (*labels)[r.key].get<std::string>();
    if (!Matches(v, r)) return false;
  }
  return true;
}

bool Selector::MatchesFields(const nlohmann::json& object) const {
  for (const auto& r : requirements_) {
    std::optional<std::string> v = FieldValue(object, r.key);
    // Fields the real server always sets compare as "" when absent.
    if (!v) v = "";
    if (!Matches(v, r)) return false;
  }
  return true;
}

}  // namespace minpriv::apiserver
