// The one JSON serialiser of minpriv, over nlohmann's values (OCI runtime specs, verify
// reports, seccomp profiles, JSON patches, proposal summaries). Why not nlohmann's dump():
// it throws on a string that is not valid UTF-8 (a path the kernel reported may be any
// bytes), while minpriv writes every byte of a string through and escapes only what JSON
// requires (", \, control characters); it also writes no final newline and cannot sort the
// keys of an ordered_json.
//
// Layout: two-space indentation, "key": value, [] and {} for empty containers, a newline
// after the top-level value. Integers print in full (int64 and uint64); floating-point
// numbers print as nlohmann prints them (shortest text that reads back the same value);
// a RawNumber prints as its text.
// Object keys come in the value's order: insertion order for nlohmann::ordered_json (or
// sorted by bytes with sort_keys), sorted for nlohmann::json (a std::map).
#ifndef MINPRIV_UTIL_JSON_FORMAT_H_
#define MINPRIV_UTIL_JSON_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "nlohmann/json.hpp"

namespace minpriv::util {

// Pretty-printed, ending with a newline.
std::string DumpPretty(const nlohmann::ordered_json& value, bool sort_keys = false);
std::string DumpPretty(const nlohmann::json& value);
// One line, no spaces, no final newline.
std::string DumpCompact(const nlohmann::ordered_json& value, bool sort_keys = false);
std::string DumpCompact(const nlohmann::json& value);

// A number kept as its JSON text, for numbers read from a document that must be written back
// as they were ("1.50", "1e3", integers beyond 64 bits), which nlohmann holds only as a
// double. The caller guarantees valid JSON number syntax. Held as a binary value of subtype
// kRawNumberSubtype: only DumpPretty/DumpCompact write it as a number (nlohmann's dump()
// would write the bytes as an object).
inline constexpr uint64_t kRawNumberSubtype = 0x4e554d;  // "NUM"
nlohmann::ordered_json RawNumber(std::string_view text);
bool IsRawNumber(const nlohmann::ordered_json& value);

// A string's JSON escaping, without the surrounding quotes: \" \\ \b \f \n \r \t, other
// control characters as \u00XX; every other byte (including '/', DEL and non-ASCII) as is.
std::string JsonEscape(std::string_view s);

}  // namespace minpriv::util

#endif  // MINPRIV_UTIL_JSON_FORMAT_H_
