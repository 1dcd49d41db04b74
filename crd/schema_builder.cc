#include "crd/schema_builder.h"

namespace minpriv::crd::schema {

namespace {
Json Typed(const char* type, const std::string& description) {
  Json j = {{"type", type}};
  if (!description.empty()) j["description"] = description;
  return j;
}
}  // namespace

Json String(const std::string& description) { return Typed("string", description); }

Json Enum(const std::string& description, const std::vector<std::string>& values) {
  Json j = Typed("string", description);
  j["enum"] = values;
  return j;
}

Json DateTime(const std::string& description) {
  Json j = Typed("string", description);
  j["format"] = "date-time";
  return j;
}

Json Integer(const std::string& description, int64_t minimum) {
  Json j = Typed("integer", description);
  j["format"] = "int64";
  j["minimum"] = minimum;
  return j;
}

Json Boolean(const std::string& description) { return Typed("boolean", description); }

Json Object(const std::string& description, const Properties& properties,
            const std::vector<std::string>& required) {
  Json j = Typed("object", description);
  j["properties"] = Json::object();
  for (const auto& [name, s] : properties) j["properties"][name] = s;
  if (!required.empty()) j["required"] = required;
  return j;
}

Json Array(const std::string& description, Json items) {
  Json j = Typed("array", description);
  j["items"] = std::move(items);
  return j;
}

Json StringMap(const std::string& description) {
  Json j = Typed("object", description);
  j["additionalProperties"] = {{"type", "string"}};
  return j;
}

Json FreeObject(const std::string& description) {
  Json j = Typed("object", description);
  j["x-kubernetes-preserve-unknown-fields"] = true;
  return j;
}

Json AnyValue(const std::string& description) {
  Json j = {{"x-kubernetes-preserve-unknown-fields", true}};
  if (!description.empty()) j["description"] = description;
  return j;
}

Json WithDefault(Json s, Json value) {
  s["default"] = std::move(value);
  return s;
}

}  // namespace minpriv::crd::schema
