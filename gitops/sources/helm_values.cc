// Helm: the chart's values are edited, not its templates. Which value reaches which field
// is found by probing the real `helm template`: every candidate key (by convention, at any
// depth of values.yaml, or referenced by a template as .Values.x) is set to a marker and the
// rendered workload shows where each marker lands. A field no value reaches is changed in
// the template instead (helm_template_edit.cc), said so in the notes. Before and after
// renders prove the workload carries exactly the narrowed fields and nothing else changed.
// With values files of the team's (PlanOptions::values_files, or one named by --path or the
// annotation), every render layers them over values.yaml as `helm -f` does and the last one
// is edited: a mapping gets only the changed keys (Helm merges maps across files), a list
// the effective list (the last file that sets it; Helm replaces lists) plus what is missing.
#include <filesystem>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "crd/yaml_input.h"
#include "gitops/sources/helm.h"
#include "gitops/sources/json_patch.h"
#include "gitops/sources/tools.h"
#include "remediator/yaml_io.h"
#include "util/files.h"

namespace minpriv::gitops {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;
using Path = std::vector<std::string>;

const std::set<std::string> kMapKeys = {"securityContext", "containerSecurityContext",
                                        "podSecurityContext"};
const std::set<std::string> kListKeys = {"extraVolumes", "extraVolumeMounts", "volumes",
                                         "volumeMounts"};
constexpr char kProbeKey[] = "minprivProbe";

std::string Dotted(const Path& p) { return absl::StrJoin(p, "."); }
std::string Pointer(const Path& p) { return "/" + absl::StrJoin(p, "/"); }

Path PodSpecPath(const std::string& kind) {
  if (kind == "Pod") return {"spec"};
  if (kind == "CronJob") return {"spec", "jobTemplate", "spec", "template", "spec"};
  return {"spec", "template", "spec"};
}

// The field an op changes, as far as values can reach it: a container's securityContext or
// volumeMounts, the pod's securityContext or volumes; else the op's own path.
struct Slot {
  Path path;
  bool list = false;
  bool reachable = false;
  json ops = json::array();
};

Slot SlotOf(const Path& op_path, const Path& pod) {
  Slot s;
  s.path = op_path;
  if (op_path.size() <= pod.size() || !std::equal(pod.begin(), pod.end(), op_path.begin())) {
    return s;
  }
  const std::string& field = op_path[pod.size()];
  if (field == "securityContext" || field == "volumes") {
    s.path.assign(op_path.begin(), op_path.begin() + pod.size() + 1);
    s.list = field == "volumes";
    s.reachable = true;
  } else if ((field == "containers" || field == "initContainers") &&
             op_path.size() > pod.size() + 2) {
    const std::string& sub = op_path[pod.size() + 2];
    if (sub == "securityContext" || sub == "volumeMounts") {
      s.path.assign(op_path.begin(), op_path.begin() + pod.size() + 3);
      s.list = sub == "volumeMounts";
      s.reachable = true;
    }
  }
  return s;
}

void CollectValueKeys(const YAML::Node& node, Path* at, std::vector<Path>* out) {
  if (!node.IsMap() || at->size() > 6) return;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) continue;
    at->push_back(kv.first.Scalar());
    if (kMapKeys.count(at->back()) || kListKeys.count(at->back())) out->push_back(*at);
    CollectValueKeys(kv.second, at, out);
    at->pop_back();
  }
}

// .Values.a.b references in the chart's templates whose last key is a convention's.
void CollectTemplateKeys(const std::string& chart_root, std::vector<Path>* out) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(chart_root + "/templates", ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::string text = util::ReadFile(it->path().string()).value_or("");
    for (size_t at = text.find(".Values."); at != std::string::npos;
         at = text.find(".Values.", at + 1)) {
      size_t end = at + 8;
      while (end < text.size() && (absl::ascii_isalnum(text[end]) || text[end] == '_' ||
                                   text[end] == '.')) {
        ++end;
      }
      std::string ref = text.substr(at + 8, end - at - 8);
      while (!ref.empty() && ref.back() == '.') ref.pop_back();
      Path p = absl::StrSplit(ref, '.', absl::SkipEmpty());
      if (!p.empty() && (kMapKeys.count(p.back()) || kListKeys.count(p.back()))) out->push_back(p);
    }
  }
}

void SetAt(YAML::Node root, const Path& path, const YAML::Node& value) {
  YAML::Node cur = root;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    const YAML::Node& c = cur;
    if (!Child(c, path[i]).IsMap()) cur[path[i]] = remediator::NewMap();
    YAML::Node next;
    next.reset(static_cast<const YAML::Node&>(cur)[path[i]]);
    cur.reset(next);
  }
  cur[path.back()] = value;
}

// Where each probe marker landed in the rendered object: marker → path of the field.
void FindMarkers(const YAML::Node& node, Path* at, std::map<std::string, Path>* out) {
  if (node.IsMap()) {
    if (Child(node, kProbeKey).IsScalar()) (*out)[node[kProbeKey].Scalar()] = *at;
    for (const auto& kv : node) {
      at->push_back(kv.first.Scalar());
      FindMarkers(kv.second, at, out);
      at->pop_back();
    }
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      const YAML::Node item = node[i];
      if (Child(item, "name").IsScalar() &&
          absl::StartsWith(item["name"].Scalar(), "minpriv-probe-")) {
        (*out)[item["name"].Scalar()] = *at;
      }
      at->push_back(std::to_string(i));
      FindMarkers(item, at, out);
      at->pop_back();
    }
  }
}

// The new value of the key reaching `slot`, given what it holds now (`v`), what the slot
// renders now (`r`) and what it must render (`e`). Undefined when values cannot express it.
YAML::Node NewValue(const YAML::Node& v, const YAML::Node& r, const YAML::Node& e, bool list) {
  const YAML::Node none(YAML::NodeType::Undefined);
  if (list) {
    YAML::Node out = remediator::NewSeq();
    if (v.IsSequence()) {
      for (const YAML::Node& item : v) out.push_back(remediator::DeepCopy(item));
    }
    auto has = [](const YAML::Node& seq, const YAML::Node& item) {
      if (!seq.IsSequence()) return false;
      for (const YAML::Node& x : seq) {
        if (remediator::NodesEqual(x, item)) return true;
      }
      return false;
    };
    if (r.IsSequence()) {
      for (const YAML::Node& item : r) {
        if (!has(e, item)) return none;  // a removal values cannot make
      }
    }
    if (e.IsSequence()) {
      for (const YAML::Node& item : e) {
        if (!has(r, item)) out.push_back(remediator::DeepCopy(item));
      }
    }
    return out;
  }
  YAML::Node out = v.IsMap() ? remediator::DeepCopy(v) : remediator::NewMap();
  if (e.IsMap()) {
    for (const auto& kv : e) {
      const std::string k = kv.first.Scalar();
      if (!r.IsMap() || !Child(r, k).IsDefined() || !remediator::NodesEqual(r[k], kv.second)) {
        out[k] = remediator::DeepCopy(kv.second);
      }
    }
  }
  if (r.IsMap()) {
    for (const auto& kv : r) {
      const std::string k = kv.first.Scalar();
      if (Child(e, k).IsDefined()) continue;
      if (const YAML::Node& o = out; !Child(o, k).IsDefined()) return none;
      out.remove(k);
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<EditResult> EditChart(const RepoIndex& index, const ProposalWorkload& w,
                                     const ChartSite& site) {
  const Chart& chart = *site.chart;
  const std::string chart_root = index.root + "/" + chart.dir;
  const std::string chart_values = (chart.dir.empty() ? "" : chart.dir + "/") + "values.yaml";
  const std::vector<std::string>& layered = site.values_files;
  const std::string values_path = layered.empty() ? chart_values : layered.back();
  const json ops = OpsFor(w, index.uses_spo);
  EditResult result;
  result.layout = Layout::kHelmValues;
  result.sources = {values_path, site.template_path};
  std::string tool = absl::StrCat("helm template ", site.release, " ", chart.dir,
                                  site.namespace_.empty() ? "" : " --namespace " + site.namespace_);
  for (const std::string& f : layered) absl::StrAppend(&tool, " -f ", f);

  absl::StatusOr<HelmRender> before =
      RenderChart(index.root, chart.dir, site.release, site.namespace_, layered);
  if (!before.ok()) return before.status();
  YAML::Node rendered = FindObject(before->objects, w.ref);
  YAML::Node expected = remediator::DeepCopy(rendered);
  if (absl::Status s = ApplyOps(expected, ops); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("`", tool, "`: the proposal's patch does not apply to the rendered ",
                                                   Describe(w.ref), ": ", s.message()));
  }

  // The ops by the field they change; fields already as narrowed need nothing.
  std::map<std::string, Slot> slots;
  const Path pod = PodSpecPath(w.ref.kind);
  for (const json& op : ops) {
    absl::StatusOr<Path> p = SplitPointer(op["path"].get<std::string>());
    if (!p.ok()) return p.status();
    Slot s = SlotOf(*p, pod);
    Slot& slot = slots.emplace(Pointer(s.path), s).first->second;
    slot.ops.push_back(op);
  }
  for (auto it = slots.begin(); it != slots.end();) {
    YAML::Node r = NodeAt(rendered, it->second.path), e = NodeAt(expected, it->second.path);
    bool same = r.IsDefined() ? (e.IsDefined() && remediator::NodesEqual(r, e)) : !e.IsDefined();
    it = same ? slots.erase(it) : std::next(it);
  }

  absl::StatusOr<std::string> values_text = util::ReadFile(index.root + "/" + values_path);
  std::vector<YAML::Node> values_docs;
  if (values_text.ok()) {
    auto docs = crd::LoadYamlDocuments(*values_text, values_path, "values file");
    if (!docs.ok()) return docs.status();
    for (const YAML::Node& d : *docs) {
      if (!d.IsNull()) values_docs.push_back(d);
    }
  }
  const bool values_usable = values_docs.size() == 1 && values_docs[0].IsMap();
  // Every values file in effect, values.yaml first: candidate keys come from all of them, and
  // a list's effective value from the last that sets it.
  std::vector<YAML::Node> effective_docs;
  for (const std::string& f : [&] {
         std::vector<std::string> all = {chart_values};
         all.insert(all.end(), layered.begin(), layered.end());
         return all;
       }()) {
    if (f == values_path) {
      if (values_usable) effective_docs.push_back(values_docs[0]);
      continue;
    }
    absl::StatusOr<std::string> text = util::ReadFile(index.root + "/" + f);
    if (!text.ok()) continue;
    auto docs = crd::LoadYamlDocuments(*text, f, "values file");
    if (!docs.ok()) return docs.status();
    for (const YAML::Node& d : *docs) {
      if (d.IsMap()) effective_docs.push_back(d);
    }
  }
  auto effective_at = [&effective_docs](const Path& key) {
    for (auto it = effective_docs.rbegin(); it != effective_docs.rend(); ++it) {
      YAML::Node v = NodeAt(*it, key);
      if (v.IsDefined() && !v.IsNull()) return v;
    }
    return YAML::Node(YAML::NodeType::Undefined);
  };

  // Probe every candidate key at once, each with its own marker.
  std::map<std::string, Path> reaches;  // slot pointer → values key
  if (!slots.empty() && values_usable) {
    std::vector<Path> candidates;
    for (const YAML::Node& d : effective_docs) {
      Path at;
      CollectValueKeys(d, &at, &candidates);
    }
    CollectTemplateKeys(chart_root, &candidates);
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    YAML::Node probe = remediator::NewMap();
    std::map<std::string, Path> by_marker;
    for (size_t i = 0; i < candidates.size(); ++i) {
      const std::string marker = absl::StrCat("minpriv-probe-", i);
      YAML::Node v;
      if (kListKeys.count(candidates[i].back())) {
        v.reset(remediator::NewSeq());
        YAML::Node item = remediator::NewMap();
        item["name"] = remediator::Str(marker);
        item["mountPath"] = remediator::Str("/" + marker);
        item["emptyDir"] = remediator::NewMap();
        v.push_back(item);
      } else {
        v.reset(remediator::NewMap());
        v[kProbeKey] = remediator::Str(marker);
      }
      SetAt(probe, candidates[i], v);
      by_marker[marker] = candidates[i];
    }
    absl::StatusOr<ScratchDir> scratch = ScratchDir::Create();
    if (!scratch.ok()) return scratch.status();
    const std::string probe_file = scratch->path() + "/probe-values.yaml";
    if (absl::Status s = util::WriteFileAtomic(probe_file, remediator::EmitYaml(probe)); !s.ok()) return s;
    absl::StatusOr<HelmRender> probed =
        RenderChart(index.root, chart.dir, site.release, site.namespace_, layered, probe_file);
    if (probed.ok()) {
      std::map<std::string, Path> landed;
      Path p;
      FindMarkers(FindObject(probed->objects, w.ref), &p, &landed);
      for (const auto& [marker, field] : landed) {
        auto key = by_marker.find(marker);
        if (key != by_marker.end()) reaches.emplace(Pointer(field), key->second);
      }
    }
  }

  // Values edits where a key reaches the field, template edits elsewhere.
  YAML::Node values_target = values_usable ? remediator::DeepCopy(values_docs[0]) : YAML::Node();
  std::map<std::string, YAML::Node> assigned;  // dotted key → new value
  json template_ops = json::array();
  std::vector<std::string> template_fields;
  for (const auto& [pointer, slot] : slots) {
    auto key = slot.reachable ? reaches.find(pointer) : reaches.end();
    YAML::Node value(YAML::NodeType::Undefined);
    if (key != reaches.end()) {
      value.reset(NewValue(slot.list ? effective_at(key->second) : NodeAt(values_docs[0], key->second),
                           NodeAt(rendered, slot.path), NodeAt(expected, slot.path), slot.list));
      auto prior = assigned.find(Dotted(key->second));
      if (value.IsDefined() && prior != assigned.end() &&
          !remediator::NodesEqual(prior->second, value)) {
        value.reset(YAML::Node(YAML::NodeType::Undefined));  // one key, two different needs
      }
    }
    if (value.IsDefined()) {
      assigned[Dotted(key->second)] = value;
      SetAt(values_target, key->second, value);
      result.notes.push_back(absl::StrCat("`", pointer, "` is set through the chart value `",
                                          Dotted(key->second), "` in `", values_path, "`."));
      continue;
    }
    for (const json& op : slot.ops) template_ops.push_back(op);
    template_fields.push_back("`" + pointer + "`");
  }
  if (!assigned.empty()) {
    absl::StatusOr<std::string> text =
        RewriteText(*values_text, values_docs, {values_target}, values_path);
    if (!text.ok()) return text.status();
    result.edits[values_path] = *text;
  }
  if (!template_ops.empty()) {
    result.layout = Layout::kHelmTemplate;
    absl::StatusOr<std::string> tpl = util::ReadFile(index.root + "/" + site.template_path);
    if (!tpl.ok()) return tpl.status();
    absl::StatusOr<std::string> edited = EditTemplate(*tpl, site.template_path, w.ref, template_ops);
    if (!edited.ok()) return edited.status();
    result.edits[site.template_path] = *edited;
    result.notes.push_back(absl::StrCat(
        "**Template change**: chart `", chart.name, "` has no value reaching ",
        absl::StrJoin(template_fields, ", "), "; the smallest change to `", site.template_path,
        "` is proposed instead, marked with `# minpriv:` comments. Consider exposing a value "
        "(e.g. `securityContext`, `podSecurityContext`, `extraVolumes`, `extraVolumeMounts`)."));
  }
  AddCompanions(index, w, (chart.dir.empty() ? "" : chart.dir + "/") + "templates",
                "minpriv-" + w.ref.name, &result.edits, &result.notes);

  // The proof: the real helm template before and after, in a scratch copy.
  absl::StatusOr<ScratchDir> scratch = ScratchDir::Create();
  if (!scratch.ok()) return scratch.status();
  if (absl::Status s = CopyTree(index.root, scratch->path(), result.edits); !s.ok()) return s;
  absl::StatusOr<HelmRender> after =
      RenderChart(scratch->path(), chart.dir, site.release, site.namespace_, layered);
  if (!after.ok()) return after.status();
  absl::StatusOr<std::string> check = CompareRenders(tool, before->objects, after->objects, w.ref, expected);
  if (!check.ok()) return check.status();
  result.checks.push_back(*check);
  return result;
}

}  // namespace minpriv::gitops
