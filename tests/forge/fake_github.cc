// The GitHub REST v3 subset minpriv uses, as docs.github.com describes it:
//   GET   /repos/{owner}/{repo}/pulls?state=&head=owner:branch&per_page=&page=  (Link header)
//   POST  /repos/{owner}/{repo}/pulls                 {title, head, base, body} → 201
//   PATCH /repos/{owner}/{repo}/pulls/{number}        {body} → 200
//   POST  /repos/{owner}/{repo}/issues/{number}/labels {labels: [...]} → 200
// Every request: Authorization: Bearer TOKEN (else 401 "Bad credentials"), Accept:
// application/vnd.github+json, X-GitHub-Api-Version: 2022-11-28; writes: a JSON body.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "test_forge.h"

namespace minpriv::forge {
namespace {

using nlohmann::json;

json PullJson(const ForgeState& s, const FakePull& p) {
  std::string owner = s.project.substr(0, s.project.find('/'));
  json labels = json::array();
  for (const std::string& l : p.labels) labels.push_back({{"name", l}, {"color", "ededed"}});
  return {{"number", p.number},
          {"id", 1000 + p.number},
          {"html_url", s.base_url + "/" + s.project + "/pull/" + std::to_string(p.number)},
          {"url", s.base_url + "/api/github/repos/" + s.project + "/pulls/" + std::to_string(p.number)},
          {"state", p.state == "open" ? "open" : "closed"},
          {"merged_at", p.state == "merged" ? json("2026-11-28T12:00:00Z") : json(nullptr)},
          {"title", p.title},
          {"body", p.body.empty() ? json(nullptr) : json(p.body)},
          {"head", {{"ref", p.head}, {"label", owner + ":" + p.head}}},
          {"base", {{"ref", p.base}, {"label", owner + ":" + p.base}}},
          {"labels", labels}};
}

Response ValidationFailed(const json& errors) {
  return JsonResponse(422, json{{"message", "Validation Failed"},
                                {"errors", errors},
                                {"documentation_url", "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"},
                                {"status", "422"}}
                               .dump());
}

}  // namespace

Response HandleGitHub(ForgeState& s, const Request& r, const std::string& api_path) {
  if (r.Header("authorization") != "Bearer " + s.token) {
    return JsonResponse(401, R"({"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"})");
  }
  if (r.Header("accept") != "application/vnd.github+json") {
    return Violation(s, r, "Accept is not application/vnd.github+json: '" + r.Header("accept") + "'");
  }
  if (r.Header("x-github-api-version") != "2022-11-28") {
    return Violation(s, r, "X-GitHub-Api-Version is not 2022-11-28");
  }
  const std::string repo = "/repos/" + s.project;
  const std::string owner = s.project.substr(0, s.project.find('/'));
  json body;
  if (r.method != "GET") {
    if (r.Header("content-type").rfind("application/json", 0) != 0) {
      return Violation(s, r, "a write without Content-Type application/json");
    }
    body = json::parse(r.body, nullptr, false);
    if (!body.is_object()) return JsonResponse(400, R"({"message":"Problems parsing JSON"})");
  }
  if (api_path == repo + "/pulls" && r.method == "GET") {
    ++s.api_reads;
    std::string state = r.Query("state").empty() ? "open" : r.Query("state");
    if (state != "open" && state != "closed" && state != "all") {
      return Violation(s, r, "state must be open, closed or all");
    }
    std::string head = r.Query("head");
    if (!head.empty() && head.find(':') == std::string::npos) {
      return Violation(s, r, "head must be user:ref-name");
    }
    std::vector<const FakePull*> match;
    for (const FakePull& p : s.pulls) {
      bool open = p.state == "open";
      if (state == "open" && !open) continue;
      if (state == "closed" && open) continue;
      if (!head.empty() && head != owner + ":" + p.head) continue;
      match.push_back(&p);
    }
    std::sort(match.begin(), match.end(), [](auto* a, auto* b) { return a->number > b->number; });
    int per_page = r.Query("per_page").empty() ? 30 : std::stoi(r.Query("per_page"));
    per_page = std::max(1, std::min({per_page, 100, s.max_page_size}));
    int page = r.Query("page").empty() ? 1 : std::stoi(r.Query("page"));
    int pages = std::max<int>(1, (static_cast<int>(match.size()) + per_page - 1) / per_page);
    json out = json::array();
    for (size_t i = (page - 1) * per_page; i < match.size() && i < static_cast<size_t>(page * per_page); ++i) {
      out.push_back(PullJson(s, *match[i]));
    }
    Response resp = JsonResponse(200, out.dump());
    if (page < pages) {
      std::string q = s.base_url + "/api/github" + repo + "/pulls?state=" + state + "&head=" +
                      owner + "%3A" + head.substr(head.find(':') + 1) + "&per_page=" + std::to_string(per_page);
      // The branch's '/' stay encoded as GitHub leaves the query it was given.
      std::string link = "<" + q + "&page=" + std::to_string(page + 1) + ">; rel=\"next\", <" + q +
                         "&page=" + std::to_string(pages) + ">; rel=\"last\"";
      resp.headers.emplace_back("Link", link);
    }
    return resp;
  }
  if (api_path == repo + "/pulls" && r.method == "POST") {
    ++s.api_writes;
    for (const char* key : {"title", "head", "base"}) {
      if (!body.contains(key) || !body[key].is_string()) {
        return ValidationFailed(json::array({{{"resource", "PullRequest"}, {"field", key}, {"code", "missing_field"}}}));
      }
    }
    std::string head = body["head"];
    if (head.rfind(owner + ":", 0) == 0) head = head.substr(owner.size() + 1);
    if (!BranchExists(s, head)) {
      return ValidationFailed(json::array({{{"resource", "PullRequest"}, {"field", "head"}, {"code", "invalid"}}}));
    }
    if (!BranchExists(s, body["base"])) {
      return ValidationFailed(json::array({{{"resource", "PullRequest"}, {"field", "base"}, {"code", "invalid"}}}));
    }
    for (const FakePull& p : s.pulls) {
      if (p.head == head && p.state == "open") {
        return ValidationFailed(json::array({{{"resource", "PullRequest"}, {"code", "custom"},
            {"message", "A pull request already exists for " + owner + ":" + head + "."}}}));
      }
    }
    FakePull p;
    p.number = s.next_number++;
    p.head = head;
    p.base = body["base"];
    p.title = body["title"];
    p.body = body.contains("body") && body["body"].is_string() ? body["body"].get<std::string>() : "";
    s.pulls.push_back(p);
    return JsonResponse(201, PullJson(s, p).dump());
  }
  auto number_after = [&](const std::string& prefix, const std::string& suffix) -> int64_t {
    if (api_path.rfind(prefix, 0) != 0) return 0;
    std::string rest = api_path.substr(prefix.size());
    if (rest.size() < suffix.size() || rest.substr(rest.size() - suffix.size()) != suffix) return 0;
    rest = rest.substr(0, rest.size() - suffix.size());
    if (rest.empty() || !std::all_of(rest.begin(), rest.end(), ::isdigit)) return 0;
    return std::stoll(rest);
  };
  if (int64_t n = number_after(repo + "/pulls/", ""); n > 0 && r.method == "PATCH") {
    ++s.api_writes;
    for (FakePull& p : s.pulls) {
      if (p.number != n) continue;
      if (body.contains("body")) {
        if (!body["body"].is_string()) return ValidationFailed(json::array({{{"field", "body"}, {"code", "invalid"}}}));
        p.body = body["body"];
      }
      if (body.contains("title")) p.title = body["title"];
      return JsonResponse(200, PullJson(s, p).dump());
    }
    return JsonResponse(404, R"({"message":"Not Found","documentation_url":"https://docs.github.com/rest"})");
  }
  if (int64_t n = number_after(repo + "/issues/", "/labels"); n > 0 && r.method == "POST") {
    ++s.api_writes;
    if (!body.contains("labels") || !body["labels"].is_array()) {
      return ValidationFailed(json::array({{{"field", "labels"}, {"code", "missing_field"}}}));
    }
    for (FakePull& p : s.pulls) {
      if (p.number != n) continue;
      for (const json& l : body["labels"]) {
        if (!l.is_string()) return Violation(s, r, "labels must be strings");
        if (std::find(p.labels.begin(), p.labels.end(), l.get<std::string>()) == p.labels.end()) {
          p.labels.push_back(l);
        }
      }
      json out = json::array();
      for (const std::string& l : p.labels) out.push_back({{"name", l}, {"color", "ededed"}, {"default", false}});
      return JsonResponse(200, out.dump());
    }
    return JsonResponse(404, R"({"message":"Not Found"})");
  }
  return Violation(s, r, "not part of the GitHub subset minpriv may use");
}

}  // namespace minpriv::forge
