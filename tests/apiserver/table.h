// Server-side printing: objects as a meta.k8s.io/v1 Table (what `kubectl get` asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`). CRDs use their
// additionalPrinterColumns (simple JSONPath: .a.b, [N], [?(@.k=="v")]); built-in kinds get
// Name and Age, plus Ready/Status/Restarts for pods, Ready/Up-to-date/Available for deployments
// and Status for namespaces.
#ifndef MINPRIV_TESTS_APISERVER_TABLE_H_
#define MINPRIV_TESTS_APISERVER_TABLE_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "resource_types.h"

namespace minpriv::apiserver {

bool WantsTable(const std::string& accept);
inline const char kTableContentType[] = "application/json;as=Table;v=v1;g=meta.k8s.io";

// `include_object`: "None", "Metadata" (default) or "Object".
nlohmann::json ToTable(const ResourceType& t, const std::vector<nlohmann::json>& objects,
                       const std::string& include_object, bool with_columns);

// Kubernetes' HumanDuration of the time since an RFC 3339 timestamp ("5s", "3m2s", "4d").
std::string AgeSince(const std::string& rfc3339);

}  // namespace minpriv::apiserver

#endif  // MINPRIV_TESTS_APISERVER_TABLE_H_
