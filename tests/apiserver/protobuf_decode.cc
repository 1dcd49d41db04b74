#include "protobuf_decode.h"

#include <cstdint>
#include <map>
#include <string_view>

namespace minpriv::apiserver {
namespace {

using nlohmann::json;

// One protobuf message's fields: length-delimited ones by number (repeated kept in order).
struct Fields {
  std::multimap<int, std::string_view> bytes;
  bool ok = true;
};

bool Varint(std::string_view& in, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    uint8_t b = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    *v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

Fields Parse(std::string_view in) {
  Fields f;
  while (!in.empty()) {
    uint64_t key, v;
    if (!Varint(in, &key)) return {{}, false};
    int field = static_cast<int>(key >> 3);
    switch (key & 7) {
      case 0:
        if (!Varint(in, &v)) return {{}, false};
        break;
      case 1:
        if (in.size() < 8) return {{}, false};
        in.remove_prefix(8);
        break;
      case 5:
        if (in.size() < 4) return {{}, false};
        in.remove_prefix(4);
        break;
      case 2:
        if (!Varint(in, &v) || v > in.size()) return {{}, false};
        f.bytes.emplace(field, in.substr(0, v));
        in.remove_prefix(v);
        break;
      default:
        return {{}, false};
    }
  }
  return f;
}

std::optional<std::string> Str(const Fields& f, int field) {
  auto it = f.bytes.find(field);
  if (it == f.bytes.end()) return std::nullopt;
  return std::string(it->second);
}

json StringMap(const Fields& f, int field) {
  json out = json::object();
  auto [b, e] = f.bytes.equal_range(field);
  for (auto it = b; it != e; ++it) {
    Fields entry = Parse(it->second);
    out[Str(entry, 1).value_or("")] = Str(entry, 2).value_or("");
  }
  return out;
}

json ObjectMeta(std::string_view raw) {
  Fields f = Parse(raw);
  json meta = json::object();
  if (auto v = Str(f, 1)) meta["name"] = *v;
  if (auto v = Str(f, 2)) meta["generateName"] = *v;
  if (auto v = Str(f, 3)) meta["namespace"] = *v;
  if (json l = StringMap(f, 11); !l.empty()) meta["labels"] = l;
  if (json a = StringMap(f, 12); !a.empty()) meta["annotations"] = a;
  return meta;
}

}  // namespace

std::optional<json> DecodeKubernetesProtobuf(const std::string& body) {
  static constexpr std::string_view kMagic("k8s\0", 4);
  std::string_view in(body);
  if (in.substr(0, 4) != kMagic) return std::nullopt;
  Fields unknown = Parse(in.substr(4));
  if (!unknown.ok) return std::nullopt;
  Fields type_meta = Parse(Str(unknown, 1).value_or(""));
  std::string api_version = Str(type_meta, 1).value_or("");
  std::string kind = Str(type_meta, 2).value_or("");
  auto raw_it = unknown.bytes.find(2);
  if (raw_it == unknown.bytes.end() || api_version != "v1") return std::nullopt;
  Fields obj = Parse(raw_it->second);
  if (!obj.ok) return std::nullopt;
  json out = {{"apiVersion", api_version}, {"kind", kind}};
  auto meta_it = obj.bytes.find(1);
  out["metadata"] = meta_it == obj.bytes.end() ? json::object() : ObjectMeta(meta_it->second);
  if (kind == "Namespace") return out;
  if (kind == "ConfigMap") {
    if (json d = StringMap(obj, 2); !d.empty()) out["data"] = d;
    return out;
  }
  return std::nullopt;
}

}  // namespace minpriv::apiserver
