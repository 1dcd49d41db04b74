// Small builders for OpenAPI v3 structural schemas (the form CustomResourceDefinitions
// need: every field typed, objects with properties, free-form parts marked
// x-kubernetes-preserve-unknown-fields). Used by crd_schemas.cc, next to the types.
#ifndef MINPRIV_CRD_SCHEMA_BUILDER_H_
#define MINPRIV_CRD_SCHEMA_BUILDER_H_

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace minpriv::crd::schema {

using Json = nlohmann::json;
using Properties = std::vector<std::pair<std::string, Json>>;

Json String(const std::string& description);
Json Enum(const std::string& description, const std::vector<std::string>& values);
Json DateTime(const std::string& description);  // format: date-time
Json Integer(const std::string& description, int64_t minimum = 0);
Json Boolean(const std::string& description);
Json Object(const std::string& description, const Properties& properties,
            const std::vector<std::string>& required = {});
Json Array(const std::string& description, Json items);
Json StringMap(const std::string& description);  // additionalProperties: string
// An embedded object kept as is (a Kubernetes securityContext, an OCI seccomp profile).
Json FreeObject(const std::string& description);
// Any JSON value (a JSON patch's "value").
Json AnyValue(const std::string& description);

// Returns `s` with "default" set.
Json WithDefault(Json s, Json value);

}  // namespace minpriv::crd::schema

#endif  // MINPRIV_CRD_SCHEMA_BUILDER_H_
