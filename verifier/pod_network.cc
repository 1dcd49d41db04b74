// The replay's own network namespace, veth pair and nftables rules (pod_network.h).
#include "verifier/pod_network.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "spdlog/spdlog.h"
#include "util/files.h"
#include "util/process.h"

namespace minpriv::verifier {

namespace {

constexpr char kLockDir[] = "/run/minpriv/podnet";
constexpr int kSlots = 16384;

// Runs argv to completion; its exit code and what it printed (stdout and stderr).
struct Output {
  int code = 0;
  std::string text;
};
absl::StatusOr<Output> RunCapture(const std::vector<std::string>& argv) {
  char path[] = "/tmp/minpriv-podnet-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return absl::InternalError(absl::StrCat("mkstemp: ", strerror(errno)));
  close(fd);
  util::SpawnOptions options;
  options.stdin_path = "/dev/null";
  options.stdout_path = path;
  options.stderr_to_stdout = true;
  auto p = util::Process::Spawn(argv, options);
  if (!p.ok()) {
    unlink(path);
    return absl::FailedPreconditionError(absl::StrCat(
        p.status().message(), "; the replay's own network needs iproute2 and nftables "
        "(scripts/setup.sh installs them)"));
  }
  Output out;
  out.code = util::ExitCodeOf(p->Wait());
  out.text = util::ReadFile(path).value_or("");
  unlink(path);
  return out;
}

absl::Status Step(const std::vector<std::string>& argv) {
  auto out = RunCapture(argv);
  if (!out.ok()) return out.status();
  if (out->code != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot set up the replay's network: ", absl::StrJoin(argv, " "), " failed (exit ",
        out->code, "): ", absl::StripAsciiWhitespace(out->text)));
  }
  return absl::OkStatus();
}

absl::Status MkdirAll(const std::string& path) {
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    std::string part = path.substr(0, slash);
    if (mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) {
      return absl::InternalError(absl::StrCat("mkdir ", part, ": ", strerror(errno)));
    }
    if (slash == std::string::npos) return absl::OkStatus();
  }
}

std::string Ipv4(uint32_t a) {
  return absl::StrCat(a >> 24, ".", (a >> 16) & 255, ".", (a >> 8) & 255, ".", a & 255);
}

}  // namespace

std::string ShellQuote(const std::string& s) {
  return absl::StrCat("'", absl::StrReplaceAll(s, {{"'", "'\\''"}}), "'");
}

absl::StatusOr<PodNetwork> PodNetwork::Create(const NftRuleset& rules) {
  if (auto s = MkdirAll(kLockDir); !s.ok()) return s;
  PodNetwork net;
  int slot = -1;
  for (int i = 0; i < kSlots && slot < 0; ++i) {
    int candidate = (getpid() + i) % kSlots;
    std::string lock = absl::StrCat(kLockDir, "/", candidate, ".lock");
    util::UniqueFd fd(open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (fd.get() < 0) {
      return absl::InternalError(absl::StrCat("open ", lock, ": ", strerror(errno)));
    }
    if (flock(fd.get(), LOCK_EX | LOCK_NB) == 0) {
      slot = candidate;
      net.slot_lock_ = std::move(fd);
    }
  }
  if (slot < 0) return absl::UnavailableError("no free pod network slot under /run/minpriv");
  const uint32_t base = (198u << 24) | (19u << 16) | static_cast<uint32_t>(slot) * 4;
  net.gateway_ip_ = Ipv4(base + 1);
  net.pod_ip_ = Ipv4(base + 2);
  net.name_ = absl::StrCat("minpriv-v", slot);
  net.host_if_ = absl::StrCat("mpv", slot);
  // Leftovers of a replay that died holding this slot (the lock is ours now).
  (void)RunCapture({"ip", "link", "del", net.host_if_});
  (void)RunCapture({"ip", "netns", "del", net.name_});
  const std::string peer = absl::StrCat("mpv", slot, "p");
  const std::vector<std::vector<std::string>> steps = {
      {"ip", "netns", "add", net.name_},
      {"ip", "link", "add", net.host_if_, "type", "veth", "peer", "name", peer, "netns",
       net.name_},
      {"ip", "-n", net.name_, "link", "set", peer, "name", "eth0"},
      {"ip", "addr", "add", absl::StrCat(net.gateway_ip_, "/30"), "dev", net.host_if_},
      {"ip", "link", "set", net.host_if_, "up"},
      {"ip", "-n", net.name_, "link", "set", "lo", "up"},
      {"ip", "-n", net.name_, "addr", "add", absl::StrCat(net.pod_ip_, "/30"), "dev", "eth0"},
      {"ip", "-n", net.name_, "link", "set", "eth0", "up"},
      {"ip", "-n", net.name_, "route", "add", "default", "via", net.gateway_ip_},
  };
  for (const auto& step : steps) {
    if (auto s = Step(step); !s.ok()) return s;
  }
  const std::string forwarding =
      absl::StrCat("/proc/sys/net/ipv4/conf/", net.host_if_, "/forwarding");
  {
    util::UniqueFd fd(open(forwarding.c_str(), O_WRONLY | O_CLOEXEC));
    if (fd.get() < 0 || write(fd.get(), "1\n", 2) != 2) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot enable forwarding on ", net.host_if_, ": ", strerror(errno)));
    }
  }
  // The rules, through a file (nft -f).
  char script[] = "/tmp/minpriv-nft-XXXXXX";
  int fd = mkstemp(script);
  if (fd < 0) return absl::InternalError(absl::StrCat("mkstemp: ", strerror(errno)));
  bool written = write(fd, rules.script.data(), rules.script.size()) ==
                 static_cast<ssize_t>(rules.script.size());
  close(fd);
  absl::Status loaded = written ? Step({"ip", "netns", "exec", net.name_, "nft", "-f", script})
                                : absl::InternalError("cannot write the nft rules");
  unlink(script);
  if (!loaded.ok()) return loaded;
  return net;
}

PodNetwork::PodNetwork(PodNetwork&& other) noexcept
    : name_(std::move(other.name_)),
      host_if_(std::move(other.host_if_)),
      pod_ip_(std::move(other.pod_ip_)),
      gateway_ip_(std::move(other.gateway_ip_)),
      slot_lock_(std::move(other.slot_lock_)) {
  other.name_.clear();
  other.host_if_.clear();
}

PodNetwork& PodNetwork::operator=(PodNetwork&& other) noexcept {
  if (this != &other) {
    Release();
    name_ = std::move(other.name_);
    host_if_ = std::move(other.host_if_);
    pod_ip_ = std::move(other.pod_ip_);
    gateway_ip_ = std::move(other.gateway_ip_);
    slot_lock_ = std::move(other.slot_lock_);
    other.name_.clear();
    other.host_if_.clear();
  }
  return *this;
}

PodNetwork::~PodNetwork() { Release(); }

void PodNetwork::Release() {
  if (!host_if_.empty()) {
    // Deleting one end of a veth pair deletes the other.
    auto out = RunCapture({"ip", "link", "del", host_if_});
    if (!out.ok() || out->code != 0) spdlog::warn("cannot delete interface {}", host_if_);
    host_if_.clear();
  }
  if (!name_.empty()) {
    auto out = RunCapture({"ip", "netns", "del", name_});
    if (!out.ok() || out->code != 0) spdlog::warn("cannot delete network namespace {}", name_);
    name_.clear();
  }
  slot_lock_ = util::UniqueFd();  // the slot is free again
}

std::string PodNetwork::WrapCommand(const std::string& command) const {
  return absl::StrCat("MINPRIV_POD_IP=", pod_ip_, " exec ip netns exec ", name_,
                      " /bin/sh -c ", ShellQuote(command));
}

absl::StatusOr<uint64_t> PodNetwork::CounterPackets(const std::string& counter) const {
  auto out = RunCapture({"ip", "netns", "exec", name_, "nft", "list", "counter", "inet",
                         kNftTable, counter});
  if (!out.ok()) return out.status();
  auto n = ParseNftCounterPackets(out->text);
  if (out->code != 0 || !n) {
    return absl::InternalError(absl::StrCat("cannot read nft counter ", counter, ": ",
                                            absl::StripAsciiWhitespace(out->text)));
  }
  return *n;
}

}  // namespace minpriv::verifier
