#include "git_backend.h"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "util/process.h"

namespace minpriv::forge {

Response RunGitHttpBackend(const Request& request, const std::string& project_root,
                           const std::string& path_info, const std::string& remote_user,
                           const std::string& scratch) {
  static std::atomic<int> counter{0};
  const std::string base = scratch + "/cgi-" + std::to_string(counter++);
  const std::string in = base + ".in", out = base + ".out";
  std::ofstream(in, std::ios::binary) << request.body;
  std::string query = request.target.find('?') == std::string::npos
                          ? ""
                          : request.target.substr(request.target.find('?') + 1);
  const char* path = std::getenv("PATH");
  std::vector<std::string> argv = {
      "/usr/bin/env", "-i",
      "PATH=" + std::string(path ? path : "/usr/bin:/bin"),
      "GIT_PROJECT_ROOT=" + project_root,
      "GIT_HTTP_EXPORT_ALL=1",
      "GIT_CONFIG_NOSYSTEM=1",
      "HOME=" + scratch,
      "PATH_INFO=" + path_info,
      "REQUEST_METHOD=" + request.method,
      "QUERY_STRING=" + query,
      "CONTENT_TYPE=" + request.Header("content-type"),
      "CONTENT_LENGTH=" + std::to_string(request.body.size()),
      "REMOTE_USER=" + remote_user,
      "REMOTE_ADDR=127.0.0.1",
      "SERVER_PROTOCOL=HTTP/1.1",
      "GATEWAY_INTERFACE=CGI/1.1",
  };
  if (!request.Header("git-protocol").empty()) argv.push_back("GIT_PROTOCOL=" + request.Header("git-protocol"));
  if (!request.Header("content-encoding").empty()) {
    argv.push_back("HTTP_CONTENT_ENCODING=" + request.Header("content-encoding"));
  }
  argv.push_back("/usr/lib/git-core/git-http-backend");
  util::SpawnOptions options;
  options.stdin_path = in;
  options.stdout_path = out;
  options.stderr_path = base + ".err";
  options.search_path = false;
  Response r;
  auto p = util::Process::Spawn(argv, options);
  if (!p.ok()) {
    r.status = 500;
    r.body = std::string(p.status().message());
    return r;
  }
  p->Wait();
  std::ifstream f(out, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string cgi = ss.str();
  size_t end = cgi.find("\r\n\r\n");
  size_t skip = 4;
  if (end == std::string::npos) {
    end = cgi.find("\n\n");
    skip = 2;
  }
  if (end == std::string::npos) {
    r.status = 500;
    r.body = "git http-backend wrote no headers";
    return r;
  }
  std::istringstream headers(cgi.substr(0, end));
  std::string line;
  while (std::getline(headers, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (name == "Status") {
      r.status = std::stoi(value.substr(0, 3));
    } else {
      r.headers.emplace_back(name, value);
    }
  }
  r.body = cgi.substr(end + skip);
  return r;
}

}  // namespace minpriv::forge
