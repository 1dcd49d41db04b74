#include "tests/deploy/render.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crd/yaml_json.h"

namespace minpriv::deploy_test {

using nlohmann::json;

Rendered RunTool(const std::vector<std::string>& argv) {
  Rendered r;
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) return r;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open = 2;
  while (open > 0) {
    if (::poll(fds, 2, 120000) <= 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      char buf[8192];
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      } else {
        (i == 0 ? r.text : r.errors).append(buf, n);
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) ::close(f.fd);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  auto docs = crd::ParseYamlDocuments(r.text, argv[0]);
  if (docs.ok()) {
    r.objects = *std::move(docs);
  } else {
    r.parse_error = std::string(docs.status().message());
  }
  return r;
}

Rendered HelmTemplate(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {HELM_BINARY, "template", "minpriv",
                                   std::string(MINPRIV_SOURCE_DIR) + "/deploy/helm/minpriv",
                                   "--namespace", "minpriv-system"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunTool(argv);
}

Rendered Kustomize() {
  return RunTool({KUBECTL_BINARY, "kustomize", std::string(MINPRIV_SOURCE_DIR) + "/deploy/manifests"});
}

const json* Find(const std::vector<json>& objects, const std::string& kind,
                 const std::string& name) {
  for (const json& o : objects) {
    if (o.value("kind", "") == kind &&
        o.value("metadata", json::object()).value("name", "") == name) {
      return &o;
    }
  }
  return nullptr;
}

std::vector<json> OfKind(const std::vector<json>& objects, const std::string& kind) {
  std::vector<json> out;
  for (const json& o : objects) {
    if (o.value("kind", "") == kind) out.push_back(o);
  }
  return out;
}

json WithoutHelmLabels(json o) {
  auto strip = [](json& meta) {
    if (!meta.is_object() || !meta.contains("labels")) return;
    meta["labels"].erase("app.kubernetes.io/managed-by");
    meta["labels"].erase("helm.sh/chart");
  };
  strip(o["metadata"]);
  if (o.contains("spec") && o["spec"].contains("template")) strip(o["spec"]["template"]["metadata"]);
  return o;
}

std::string Key(const json& o) {
  const json m = o.value("metadata", json::object());
  return o.value("kind", "?") + " " + m.value("namespace", "") + "/" + m.value("name", "?");
}

}  // namespace minpriv::deploy_test
