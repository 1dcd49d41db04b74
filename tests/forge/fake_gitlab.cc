// The GitLab v4 subset minpriv uses, as docs.gitlab.com describes it:
//   GET  /projects/:id/merge_requests?source_branch=&per_page=&page=   (X-Next-Page etc.)
//   POST /projects/:id/merge_requests  {source_branch, target_branch, title, description,
//                                       labels: "a,b"} → 201; 409 when one is open
//   PUT  /projects/:id/merge_requests/:iid  {description} → 200
// :id is the project's full path URL-encoded as one segment (group%2Fsub%2Fproject).
// Every request: PRIVATE-TOKEN (else 401 "401 Unauthorized"); writes: a JSON body.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "test_forge.h"

namespace minpriv::forge {
namespace {

using nlohmann::json;

std::string Encode(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '/') out += "%2F";
    else out += c;
  }
  return out;
}

json MrJson(const ForgeState& s, const FakePull& p) {
  std::string state = p.state == "open" ? "opened" : p.state;
  return {{"id", 1000 + p.number},
          {"iid", p.number},
          {"project_id", 42},
          {"title", p.title},
          {"description", p.body},
          {"state", state},
          {"source_branch", p.head},
          {"target_branch", p.base},
          {"labels", p.labels},
          {"web_url", s.base_url + "/" + s.project + "/-/merge_requests/" + std::to_string(p.number)}};
}

}  // namespace

Response HandleGitLab(ForgeState& s, const Request& r, const std::string& api_path) {
  if (r.Header("private-token") != s.token) {
    return JsonResponse(401, R"({"message":"401 Unauthorized"})");
  }
  const std::string project = "/projects/" + Encode(s.project);
  if (api_path.rfind(project + "/", 0) != 0) {
    if (api_path.rfind("/projects/" + s.project, 0) == 0) {
      return Violation(s, r, "the project path is not URL-encoded as one segment");
    }
    return JsonResponse(404, R"({"message":"404 Project Not Found"})");
  }
  const std::string rest = api_path.substr(project.size());
  json body;
  if (r.method != "GET") {
    if (r.Header("content-type").rfind("application/json", 0) != 0) {
      return Violation(s, r, "a write without Content-Type application/json");
    }
    body = json::parse(r.body, nullptr, false);
    if (!body.is_object()) return JsonResponse(400, R"({"error":"body is not valid JSON"})");
  }
  if (rest == "/merge_requests" && r.method == "GET") {
    ++s.api_reads;
    std::string state = r.Query("state").empty() ? "all" : r.Query("state");
    std::string source = r.Query("source_branch");
    std::vector<const FakePull*> match;
    for (const FakePull& p : s.pulls) {
      std::string st = p.state == "open" ? "opened" : p.state;
      if (state != "all" && state != st) continue;
      if (!source.empty() && p.head != source) continue;
      match.push_back(&p);
    }
    std::sort(match.begin(), match.end(), [](auto* a, auto* b) { return a->number > b->number; });
    int per_page = r.Query("per_page").empty() ? 20 : std::stoi(r.Query("per_page"));
    per_page = std::max(1, std::min({per_page, 100, s.max_page_size}));
    int page = r.Query("page").empty() ? 1 : std::stoi(r.Query("page"));
    int pages = std::max<int>(1, (static_cast<int>(match.size()) + per_page - 1) / per_page);
    json out = json::array();
    for (size_t i = (page - 1) * per_page; i < match.size() && i < static_cast<size_t>(page * per_page); ++i) {
      out.push_back(MrJson(s, *match[i]));
    }
    Response resp = JsonResponse(200, out.dump());
    resp.headers.emplace_back("X-Page", std::to_string(page));
    resp.headers.emplace_back("X-Per-Page", std::to_string(per_page));
    resp.headers.emplace_back("X-Total", std::to_string(match.size()));
    resp.headers.emplace_back("X-Total-Pages", std::to_string(pages));
    resp.headers.emplace_back("X-Next-Page", page < pages ? std::to_string(page + 1) : "");
    resp.headers.emplace_back("X-Prev-Page", page > 1 ? std::to_string(page - 1) : "");
    return resp;
  }
  if (rest == "/merge_requests" && r.method == "POST") {
    ++s.api_writes;
    for (const char* key : {"source_branch", "target_branch", "title"}) {
      if (!body.contains(key) || !body[key].is_string()) {
        return JsonResponse(400, json{{"error", std::string(key) + " is missing"}}.dump());
      }
    }
    std::string source = body["source_branch"];
    if (!BranchExists(s, source) || !BranchExists(s, body["target_branch"])) {
      return JsonResponse(422, json{{"message", {"Source branch or target branch does not exist"}}}.dump());
    }
    for (const FakePull& p : s.pulls) {
      if (p.head == source && p.state == "open") {
        return JsonResponse(409, json{{"message", {"Another open merge request already exists for this source branch: !" +
                                                   std::to_string(p.number)}}}.dump());
      }
    }
    FakePull p;
    p.number = s.next_number++;
    p.head = source;
    p.base = body["target_branch"];
    p.title = body["title"];
    if (body.contains("description") && body["description"].is_string()) p.body = body["description"];
    if (body.contains("labels")) {
      if (!body["labels"].is_string()) return Violation(s, r, "labels must be a comma-separated string");
      std::string labels = body["labels"];
      size_t start = 0;
      while (start <= labels.size()) {
        size_t comma = labels.find(',', start);
        std::string l = labels.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!l.empty()) p.labels.push_back(l);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
    s.pulls.push_back(p);
    return JsonResponse(201, MrJson(s, p).dump());
  }
  if (rest.rfind("/merge_requests/", 0) == 0 && r.method == "PUT") {
    ++s.api_writes;
    std::string iid = rest.substr(16);
    if (iid.empty() || !std::all_of(iid.begin(), iid.end(), ::isdigit)) {
      return Violation(s, r, "the merge request's iid is not a number");
    }
    for (FakePull& p : s.pulls) {
      if (p.number != std::stoll(iid)) continue;
      if (body.contains("description")) p.body = body["description"];
      if (body.contains("title")) p.title = body["title"];
      return JsonResponse(200, MrJson(s, p).dump());
    }
    return JsonResponse(404, R"({"message":"404 Not found"})");
  }
  return Violation(s, r, "not part of the GitLab subset minpriv may use");
}

}  // namespace minpriv::forge
