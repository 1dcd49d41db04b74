#include "gitops/github_client.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace minpriv::gitops {
namespace {

using nlohmann::json;

std::string Str(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

absl::StatusOr<PullRequest> FromJson(const json& j) {
  if (!j.is_object() || !j.contains("number") || !j["number"].is_number_integer()) {
    return absl::InternalError("GitHub: a pull request without a number");
  }
  PullRequest p;
  p.number = j["number"].get<int64_t>();
  p.url = Str(j, "html_url");
  p.body = Str(j, "body");
  bool merged = j.contains("merged_at") && j["merged_at"].is_string();
  if (Str(j, "state") == "open") {
    p.state = PullState::kOpen;
  } else {
    p.state = merged ? PullState::kMerged : PullState::kClosed;
  }
  return p;
}

}  // namespace

GitHubClient::GitHubClient(const std::string& api_url, const std::string& project,
                           const std::string& token, RateLimitPolicy policy,
                           const std::string& ca_file)
    : owner_(project.substr(0, project.find('/'))),
      repo_path_(absl::StrCat("/repos/", PercentEncode(owner_), "/",
                              PercentEncode(project.substr(project.find('/') + 1)))),
      http_(api_url,
            {{"Accept", "application/vnd.github+json"},
             {"Authorization", absl::StrCat("Bearer ", token)},
             {"X-GitHub-Api-Version", kGitHubApiVersion}},
            token, policy, absl::Seconds(30), ca_file) {}

absl::StatusOr<std::vector<PullRequest>> GitHubClient::FindByHead(const std::string& branch) {
  std::vector<PullRequest> out;
  std::string next = absl::StrCat(repo_path_, "/pulls?state=all&head=",
                                  PercentEncode(absl::StrCat(owner_, ":", branch)),
                                  "&per_page=100");
  for (int page = 0; !next.empty() && page < 100; ++page) {
    absl::StatusOr<ForgeResponse> r = http_.Send("GET", next);
    if (!r.ok()) return r.status();
    if (r->code != 200) return ForgeError(absl::StrCat("GitHub: listing pull requests of ", branch), *r);
    json j = json::parse(r->body, nullptr, false);
    if (!j.is_array()) return absl::InternalError("GitHub: the pull request list is not an array");
    for (const json& item : j) {
      absl::StatusOr<PullRequest> p = FromJson(item);
      if (!p.ok()) return p.status();
      out.push_back(*std::move(p));
    }
    std::string link = NextLink(r->Header("link"));
    if (link.empty()) break;
    absl::StatusOr<std::string> rel = http_.RelativeToApi(link);
    if (!rel.ok()) return rel.status();
    next = *rel;
  }
  std::sort(out.begin(), out.end(),
            [](const PullRequest& a, const PullRequest& b) { return a.number > b.number; });
  return out;
}

absl::StatusOr<PullRequest> GitHubClient::Create(const NewPullRequest& request) {
  json body = {{"title", request.title},
               {"head", request.head},
               {"base", request.base},
               {"body", request.body},
               {"maintainer_can_modify", false}};
  absl::StatusOr<ForgeResponse> r = http_.Send("POST", absl::StrCat(repo_path_, "/pulls"), body.dump());
  if (!r.ok()) return r.status();
  if (r->code != 201) return ForgeError(absl::StrCat("GitHub: opening a pull request for ", request.head), *r);
  absl::StatusOr<PullRequest> p = FromJson(json::parse(r->body, nullptr, false));
  if (!p.ok()) return p.status();
  if (!request.labels.empty()) {
    json labels = {{"labels", request.labels}};
    absl::StatusOr<ForgeResponse> l = http_.Send(
        "POST", absl::StrCat(repo_path_, "/issues/", p->number, "/labels"), labels.dump());
    if (!l.ok()) return l.status();
    if (l->code != 200) {
      return ForgeError(absl::StrCat("GitHub: labelling pull request #", p->number, " (", p->url, ")"), *l);
    }
  }
  return p;
}

absl::Status GitHubClient::UpdateBody(int64_t number, const std::string& body) {
  json j = {{"body", body}};
  absl::StatusOr<ForgeResponse> r =
      http_.Send("PATCH", absl::StrCat(repo_path_, "/pulls/", number), j.dump());
  if (!r.ok()) return r.status();
  if (r->code != 200) return ForgeError(absl::StrCat("GitHub: updating pull request #", number), *r);
  return absl::OkStatus();
}

}  // namespace minpriv::gitops
