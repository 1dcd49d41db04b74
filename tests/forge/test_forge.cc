#include "test_forge.h"

#include <dirent.h>
#include <unistd.h>

#include <ctime>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/beast/core/detail/base64.hpp>

#include "git_backend.h"
#include "util/process.h"

namespace minpriv::forge {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string Base64Decode(const std::string& in) {
  std::string out(boost::beast::detail::base64::decoded_size(in.size()), '\0');
  auto [written, read] = boost::beast::detail::base64::decode(out.data(), in.data(), in.size());
  out.resize(written);
  return out;
}

// Every process whose command line or environment holds `token` (the test's own process
// excluded: it holds the token in memory by design, not in its argv or environ).
std::vector<std::string> ProcessesHolding(const std::string& token) {
  std::vector<std::string> out;
  if (token.empty()) return out;
  DIR* d = opendir("/proc");
  if (!d) return out;
  const std::string self = std::to_string(getpid());
  while (dirent* e = readdir(d)) {
    std::string pid = e->d_name;
    if (pid.empty() || !std::isdigit(static_cast<unsigned char>(pid[0])) || pid == self) continue;
    for (const char* what : {"cmdline", "environ"}) {
      std::string content = ReadAll("/proc/" + pid + "/" + what);
      if (content.find(token) != std::string::npos) {
        std::string cmd = ReadAll("/proc/" + pid + "/cmdline");
        for (char& c : cmd) if (c == '\0') c = ' ';
        out.push_back("pid " + pid + " " + what + ": " + cmd);
      }
    }
  }
  closedir(d);
  return out;
}

// Every regular file under `dirs` that holds `token`.
std::vector<std::string> FilesHolding(const std::string& token, const std::vector<std::string>& dirs) {
  std::vector<std::string> out;
  if (token.empty()) return out;
  for (const std::string& dir : dirs) {
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(
             dir, std::filesystem::directory_options::skip_permission_denied, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      std::error_code ec2;
      if (!it->is_regular_file(ec2) || ec2) continue;
      if (ReadAll(it->path()).find(token) != std::string::npos) {
        out.push_back("file " + it->path().string());
      }
    }
  }
  return out;
}

int Sh(const std::string& cmd) {
  auto r = util::RunQuiet({"/bin/sh", "-c", cmd});
  return r.ok() ? *r : -1;
}

}  // namespace

Response JsonResponse(int status, const std::string& body) {
  Response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  r.body = body;
  return r;
}

Response Violation(ForgeState& s, const Request& r, const std::string& what) {
  s.violations.push_back(r.method + " " + r.target + ": " + what);
  return JsonResponse(400, R"({"message":"test forge: )" + what + R"("})");
}

bool BranchExists(const ForgeState& s, const std::string& branch) {
  return Sh("git -C '" + s.bare_repo + "' rev-parse -q --verify 'refs/heads/" + branch +
            "' >/dev/null 2>&1") == 0;
}

TestForge::TestForge(Kind kind, const std::string& dir, const std::string& project,
                     const std::string& token, const std::string& base)
    : dir_(dir), base_(base) {
  state_.kind = kind;
  state_.project = project;
  state_.token = token;
  state_.bare_repo = dir + "/repos/" + project + ".git";
}

TestForge::~TestForge() {
  if (server_) server_->Stop();
}

bool TestForge::Start(std::optional<ServerCertificate> tls) {
  const std::string scheme = tls ? "https" : "http";
  std::filesystem::create_directories(state_.bare_repo);
  std::filesystem::create_directories(dir_ + "/cgi");
  if (Sh("git init -q --bare -b '" + base_ + "' '" + state_.bare_repo + "'") != 0) return false;
  server_ = std::make_unique<HttpServer>([this](const Request& r) { return Handle(r); }, std::move(tls));
  port_ = server_->Start();
  state_.base_url = scheme + "://127.0.0.1:" + std::to_string(port_);
  return port_ != 0;
}

std::string TestForge::api_url() const {
  return state_.base_url + (state_.kind == Kind::kGitHub ? "/api/github" : "/api/v4");
}

std::string TestForge::repo_url() const {
  return state_.base_url + "/git/" + state_.project + ".git";
}

Response TestForge::Handle(const Request& r) {
  Response resp;
  if (r.path.rfind("/git/", 0) == 0) {
    resp = HandleGit(r, r.path.substr(4));
  } else {
    std::lock_guard<std::mutex> lock(state_.mu);
    const std::string prefix = state_.kind == Kind::kGitHub ? "/api/github" : "/api/v4";
    if (r.path.rfind(prefix + "/", 0) != 0) {
      resp = Violation(state_, r, "no such API path");
    } else if (state_.rate_limit_next > 0) {
      --state_.rate_limit_next;
      resp = JsonResponse(state_.rate_limit_status,
                          state_.kind == Kind::kGitHub
                              ? (state_.rate_limit_reset
                                     ? R"({"message":"API rate limit exceeded for user ID 1."})"
                                     : R"({"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."})")
                              : R"({"message":"429 Too Many Requests"})");
      if (state_.rate_limit_reset) {
        const std::string prefix = state_.kind == Kind::kGitHub ? "X-RateLimit-" : "RateLimit-";
        resp.headers.emplace_back(prefix + "Limit", "5000");
        resp.headers.emplace_back(prefix + "Remaining", "0");
        resp.headers.emplace_back(prefix + "Reset", std::to_string(time(nullptr) + state_.rate_limit_seconds));
      } else {
        resp.headers.emplace_back("Retry-After", std::to_string(state_.rate_limit_seconds));
      }
    } else {
      if (r.Header("user-agent").empty()) {
        resp = Violation(state_, r, "no User-Agent (GitHub refuses such requests)");
      } else if (state_.kind == Kind::kGitHub) {
        resp = HandleGitHub(state_, r, r.path.substr(prefix.size()));
      } else {
        resp = HandleGitLab(state_, r, r.path.substr(prefix.size()));
      }
    }
    state_.log.push_back(r.method + " " + r.target + " -> " + std::to_string(resp.status));
    return resp;
  }
  std::lock_guard<std::mutex> lock(state_.mu);
  state_.log.push_back(r.method + " " + r.target + " -> " + std::to_string(resp.status));
  return resp;
}

Response TestForge::HandleGit(const Request& r, const std::string& rest) {
  std::string user, project, token;
  std::vector<std::string> watched;
  {
    std::lock_guard<std::mutex> lock(state_.mu);
    project = state_.project;
    token = state_.token;
    watched = state_.watched_dirs;
    user = state_.kind == Kind::kGitHub ? "x-access-token" : "oauth2";
  }
  // While git is connected, nothing on this machine may carry the token in its argv/environ.
  // Nor may any file the run wrote.
  std::vector<std::string> seen = ProcessesHolding(token);
  std::vector<std::string> files = FilesHolding(token, watched);
  seen.insert(seen.end(), files.begin(), files.end());
  const std::string auth = r.Header("authorization");
  bool ok = auth.rfind("Basic ", 0) == 0 && Base64Decode(auth.substr(6)) == user + ":" + token;
  std::lock_guard<std::mutex> lock(state_.mu);
  state_.token_sightings.insert(state_.token_sightings.end(), seen.begin(), seen.end());
  if (!ok) {
    Response resp;
    resp.status = 401;
    resp.headers.emplace_back("WWW-Authenticate", "Basic realm=\"minpriv test forge\"");
    resp.headers.emplace_back("Content-Type", "text/plain");
    resp.body = "authentication required\n";
    return resp;
  }
  if (rest.rfind("/" + project + ".git/", 0) != 0) {
    Response resp;
    resp.status = 404;
    resp.body = "no such repository\n";
    return resp;
  }
  if (r.method == "POST" && rest.size() >= 17 && rest.substr(rest.size() - 17) == "/git-receive-pack") {
    ++state_.pushes;
  }
  if (r.method == "POST" && rest.size() >= 16 && rest.substr(rest.size() - 16) == "/git-upload-pack") {
    ++state_.fetches;
  }
  return RunGitHttpBackend(r, dir_ + "/repos", rest, user, dir_ + "/cgi");
}

void TestForge::ClearTokenSightings() {
  std::lock_guard<std::mutex> lock(state_.mu);
  state_.token_sightings.clear();
}

void TestForge::WatchFilesUnder(std::vector<std::string> dirs) {
  std::lock_guard<std::mutex> lock(state_.mu);
  state_.watched_dirs = std::move(dirs);
}

std::vector<FakePull> TestForge::pulls() {
  std::lock_guard<std::mutex> lock(state_.mu);
  return state_.pulls;
}

void TestForge::SetState(int64_t number, const std::string& state) {
  std::lock_guard<std::mutex> lock(state_.mu);
  for (FakePull& p : state_.pulls) {
    if (p.number == number) p.state = state;
  }
}

void TestForge::RateLimitNext(int requests, int retry_after_seconds, int status) {
  std::lock_guard<std::mutex> lock(state_.mu);
  state_.rate_limit_next = requests;
  state_.rate_limit_seconds = retry_after_seconds;
  state_.rate_limit_status = status;
  state_.rate_limit_reset = false;
}

void TestForge::ExhaustRateLimitFor(int requests, int seconds) {
  std::lock_guard<std::mutex> lock(state_.mu);
  state_.rate_limit_next = requests;
  state_.rate_limit_seconds = seconds;
  state_.rate_limit_status = state_.kind == Kind::kGitHub ? 403 : 429;
  state_.rate_limit_reset = true;
}

void TestForge::SetMaxPageSize(int n) {
  std::lock_guard<std::mutex> lock(state_.mu);
  state_.max_page_size = n;
}

void TestForge::AddUnrelatedPulls(int n) {
  std::lock_guard<std::mutex> lock(state_.mu);
  for (int i = 0; i < n; ++i) {
    FakePull p;
    p.number = state_.next_number++;
    p.head = "feature/other-" + std::to_string(i);
    p.base = base_;
    p.title = "someone else's change";
    state_.pulls.push_back(p);
  }
}

int TestForge::api_reads() {
  std::lock_guard<std::mutex> lock(state_.mu);
  return state_.api_reads;
}
int TestForge::api_writes() {
  std::lock_guard<std::mutex> lock(state_.mu);
  return state_.api_writes;
}
int TestForge::pushes() {
  std::lock_guard<std::mutex> lock(state_.mu);
  return state_.pushes;
}
std::vector<std::string> TestForge::violations() {
  std::lock_guard<std::mutex> lock(state_.mu);
  return state_.violations;
}
std::vector<std::string> TestForge::token_sightings() {
  std::lock_guard<std::mutex> lock(state_.mu);
  return state_.token_sightings;
}
std::vector<std::string> TestForge::log() {
  std::lock_guard<std::mutex> lock(state_.mu);
  return state_.log;
}

}  // namespace minpriv::forge
