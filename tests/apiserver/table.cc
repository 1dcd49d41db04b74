#include "table.h"

#include <ctime>
#include <optional>

namespace minpriv::apiserver {
namespace {

using nlohmann::json;

// Evaluates the subset of JSONPath printer columns use.
std::optional<json> EvalPath(const json& obj, std::string path) {
  if (path.size() >= 2 && path.front() == '{' && path.back() == '}')
    path = path.substr(1, path.size() - 2);
  const json* cur = &obj;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      // A key ends at an unescaped '.' or '['; "\." is a dot inside the key, as in
      // client-go's jsonpath (.metadata.labels.app\.kubernetes\.io/name).
      std::string key;
      while (i < path.size() && path[i] != '.' && path[i] != '[') {
        if (path[i] == '\\' && i + 1 < path.size()) ++i;
        key += path[i++];
      }
      if (key.empty()) continue;
      if (!cur->is_object() || !cur->contains(key)) return std::nullopt;
      cur = &(*cur)[key];
    } else if (path[i] == '[') {
      size_t end = path.find(']', i);
      if (end == std::string::npos) return std::nullopt;
      std::string inner = path.substr(i + 1, end - i - 1);
      i = end + 1;
      if (!cur->is_array()) return std::nullopt;
      if (inner.rfind("?(@.", 0) == 0) {
        size_t eq = inner.find("==");
        if (eq == std::string::npos) return std::nullopt;
        std::string key = inner.substr(4, eq - 4);
        std::string want = inner.substr(eq + 2);
        if (!want.empty() && want.back() == ')') want.pop_back();
        if (want.size() >= 2 && (want.front() == '"' || want.front() == '\''))
          want = want.substr(1, want.size() - 2);
        const json* found = nullptr;
        for (const auto& e : *cur)
          if (e.is_object() && e.contains(key) && e[key].is_string() && e[key] == want) {
            found = &e;
            break;
          }
        if (!found) return std::nullopt;
        cur = found;
      } else {
        size_t idx = std::stoul(inner);
        if (idx >= cur->size()) return std::nullopt;
        cur = &(*cur)[idx];
      }
    } else {
      ++i;
    }
  }
  return *cur;
}

json Column(const std::string& name, const std::string& type, const std::string& format,
            const std::string& description, int priority = 0) {
  return {{"name", name}, {"type", type}, {"format", format}, {"description", description},
          {"priority", priority}};
}

std::string Str(const json& obj, const char* a, const char* b) {
  if (obj.contains(a) && obj[a].is_object() && obj[a].contains(b)) {
    const json& v = obj[a][b];
    return v.is_string() ? v.get<std::string>() : v.dump();
  }
  return "";
}

int64_t Int(const json& obj, const char* a, const char* b) {
  if (obj.contains(a) && obj[a].is_object() && obj[a].contains(b) && obj[a][b].is_number())
    return obj[a][b].get<int64_t>();
  return 0;
}

}  // namespace

bool WantsTable(const std::string& accept) {
  return accept.find("as=Table") != std::string::npos &&
         accept.find("g=meta.k8s.io") != std::string::npos;
}

std::string AgeSince(const std::string& rfc3339) {
  std::tm tm{};
  if (!strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) return "<unknown>";
  int64_t s = static_cast<int64_t>(std::time(nullptr) - timegm(&tm));
  if (s < -1) return "<invalid>";
  if (s < 0) return "0s";
  if (s < 120) return std::to_string(s) + "s";
  int64_t m = s / 60;
  if (m < 10) return s % 60 == 0 ? std::to_string(m) + "m"
                                  : std::to_string(m) + "m" + std::to_string(s % 60) + "s";
  if (m < 180) return std::to_string(m) + "m";
  int64_t h = m / 60;
  if (h < 8) return m % 60 == 0 ? std::to_string(h) + "h"
                                 : std::to_string(h) + "h" + std::to_string(m % 60) + "m";
  if (h < 48) return std::to_string(h) + "h";
  if (h < 192) return h % 24 == 0 ? std::to_string(h / 24) + "d"
                                   : std::to_string(h / 24) + "d" + std::to_string(h % 24) + "h";
  if (h < 24 * 365 * 2) return std::to_string(h / 24) + "d";
  return std::to_string(h / 24 / 365) + "y";
}

json ToTable(const ResourceType& t, const std::vector<json>& objects,
             const std::string& include_object, bool with_columns) {
  const json name_col = Column("Name", "string", "name",
                               "Name must be unique within a namespace.");
  const json age_col = Column("Age", "string", "", "CreationTimestamp is a timestamp.");
  json columns = json::array({name_col});
  if (t.from_crd && !t.printer_columns.empty()) {
    for (const auto& c : t.printer_columns)
      columns.push_back(Column(c.value("name", ""), c.value("type", "string"),
                               c.value("format", ""), c.value("description", ""),
                               c.value("priority", 0)));
  } else if (t.kind == "Pod") {
    columns.push_back(Column("Ready", "string", "", "The aggregate readiness state"));
    columns.push_back(Column("Status", "string", "", "The aggregate status"));
    columns.push_back(Column("Restarts", "string", "", "The number of restarts"));
    columns.push_back(age_col);
  } else if (t.kind == "Deployment") {
    columns.push_back(Column("Ready", "string", "", "Number of the pod with ready state"));
    columns.push_back(Column("Up-to-date", "integer", "", "Total number of non-terminated pods"));
    columns.push_back(Column("Available", "integer", "", "Number of available pods"));
    columns.push_back(age_col);
  } else if (t.kind == "Namespace") {
    columns.push_back(Column("Status", "string", "", "The status of the namespace"));
    columns.push_back(age_col);
  } else {
    columns.push_back(age_col);
  }
  json rows = json::array();
  for (const json& obj : objects) {
    const json& meta = obj["metadata"];
    std::string age = AgeSince(meta.value("creationTimestamp", ""));
    json cells = json::array({meta.value("name", "")});
    if (t.from_crd && !t.printer_columns.empty()) {
      for (const auto& c : t.printer_columns) {
        std::optional<json> v = EvalPath(obj, c.value("jsonPath", ""));
        std::string type = c.value("type", "string");
        if (!v) cells.push_back(nullptr);
        else if (type == "date" && v->is_string()) cells.push_back(AgeSince(v->get<std::string>()));
        else if ((type == "integer" || type == "number" || type == "boolean") && !v->is_string())
          cells.push_back(*v);
        else cells.push_back(v->is_string() ? v->get<std::string>() : v->dump());
      }
    } else if (t.kind == "Pod") {
      const json spec = obj.value("spec", json::object());
      size_t n = spec.value("containers", json::array()).size();
      int64_t ready = 0, restarts = 0;
      for (const auto& cs : obj.value("status", json::object())
                                .value("containerStatuses", json::array())) {
        if (cs.value("ready", false)) ++ready;
        restarts += cs.value("restartCount", 0);
      }
      std::string phase = Str(obj, "status", "phase");
      cells.push_back(std::to_string(ready) + "/" + std::to_string(n));
      cells.push_back(phase.empty() ? "Pending" : phase);
      cells.push_back(std::to_string(restarts));
      cells.push_back(age);
    } else if (t.kind == "Deployment") {
      int64_t replicas = obj.contains("spec") && obj["spec"].contains("replicas")
                             ? Int(obj, "spec", "replicas") : 1;
      cells.push_back(std::to_string(Int(obj, "status", "readyReplicas")) + "/" +
                      std::to_string(replicas));
      cells.push_back(Int(obj, "status", "updatedReplicas"));
      cells.push_back(Int(obj, "status", "availableReplicas"));
      cells.push_back(age);
    } else if (t.kind == "Namespace") {
      cells.push_back(Str(obj, "status", "phase"));
      cells.push_back(age);
    } else {
      cells.push_back(age);
    }
    json row = {{"cells", cells}};
    if (include_object == "Object") {
      row["object"] = obj;
    } else if (include_object != "None") {
      row["object"] = {{"kind", "PartialObjectMetadata"},
                       {"apiVersion", "meta.k8s.io/v1"},
                       {"metadata", meta}};
    }
    rows.push_back(row);
  }
  json table = {{"kind", "Table"}, {"apiVersion", "meta.k8s.io/v1"},
                {"metadata", json::object()}, {"rows", rows}};
  table["columnDefinitions"] = with_columns ? columns : json::array();
  return table;
}

}  // namespace minpriv::apiserver
