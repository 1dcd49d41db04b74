#include "gitops/gitlab_client.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

namespace minpriv::gitops {
namespace {

using nlohmann::json;

std::string Str(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

absl::StatusOr<PullRequest> FromJson(const json& j) {
  if (!j.is_object() || !j.contains("iid") || !j["iid"].is_number_integer()) {
    return absl::InternalError("GitLab: a merge request without an iid");
  }
  PullRequest p;
  p.number = j["iid"].get<int64_t>();
  p.url = Str(j, "web_url");
  p.body = Str(j, "description");
  std::string state = Str(j, "state");
  p.state = state == "merged"   ? PullState::kMerged
            : state == "closed" ? PullState::kClosed
                                : PullState::kOpen;  // opened, locked
  return p;
}

}  // namespace

GitLabClient::GitLabClient(const std::string& api_url, const std::string& project,
                           const std::string& token, RateLimitPolicy policy,
                           const std::string& ca_file)
    : project_path_(absl::StrCat("/projects/", PercentEncode(project))),
      http_(api_url, {{"Accept", "application/json"}, {"PRIVATE-TOKEN", token}}, token, policy,
            absl::Seconds(30), ca_file) {}

absl::StatusOr<std::vector<PullRequest>> GitLabClient::FindByHead(const std::string& branch) {
  std::vector<PullRequest> out;
  std::string page = "1";
  for (int n = 0; !page.empty() && n < 100; ++n) {
    absl::StatusOr<ForgeResponse> r = http_.Send(
        "GET", absl::StrCat(project_path_, "/merge_requests?source_branch=", PercentEncode(branch),
                            "&per_page=100&page=", page));
    if (!r.ok()) return r.status();
    if (r->code != 200) return ForgeError(absl::StrCat("GitLab: listing merge requests of ", branch), *r);
    json j = json::parse(r->body, nullptr, false);
    if (!j.is_array()) return absl::InternalError("GitLab: the merge request list is not an array");
    for (const json& item : j) {
      absl::StatusOr<PullRequest> p = FromJson(item);
      if (!p.ok()) return p.status();
      out.push_back(*std::move(p));
    }
    page = r->Header("x-next-page");
  }
  std::sort(out.begin(), out.end(),
            [](const PullRequest& a, const PullRequest& b) { return a.number > b.number; });
  return out;
}

absl::StatusOr<PullRequest> GitLabClient::Create(const NewPullRequest& request) {
  json body = {{"source_branch", request.head},
               {"target_branch", request.base},
               {"title", request.title},
               {"description", request.body}};
  if (!request.labels.empty()) body["labels"] = absl::StrJoin(request.labels, ",");
  absl::StatusOr<ForgeResponse> r =
      http_.Send("POST", absl::StrCat(project_path_, "/merge_requests"), body.dump());
  if (!r.ok()) return r.status();
  if (r->code != 201) return ForgeError(absl::StrCat("GitLab: opening a merge request for ", request.head), *r);
  return FromJson(json::parse(r->body, nullptr, false));
}

absl::Status GitLabClient::UpdateBody(int64_t number, const std::string& body) {
  json j = {{"description", body}};
  absl::StatusOr<ForgeResponse> r =
      http_.Send("PUT", absl::StrCat(project_path_, "/merge_requests/", number), j.dump());
  if (!r.ok()) return r.status();
  if (r->code != 200) return ForgeError(absl::StrCat("GitLab: updating merge request !", number), *r);
  return absl::OkStatus();
}

}  // namespace minpriv::gitops
