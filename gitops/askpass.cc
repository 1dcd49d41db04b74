#include "gitops/askpass.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace minpriv::gitops {
namespace {

absl::Status WriteMode(const std::string& path, const std::string& content, mode_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return absl::InternalError(absl::StrCat("cannot create ", path, ": ", strerror(errno)));
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      close(fd);
      return absl::InternalError(absl::StrCat("cannot write ", path, ": ", strerror(errno)));
    }
    done += static_cast<size_t>(n);
  }
  fchmod(fd, mode);
  close(fd);
  return absl::OkStatus();
}

// A sealed memfd holding `token`: nothing can write, grow or shrink it any more, and the
// seals themselves are sealed. Close-on-exec: only children given it explicitly inherit it.
absl::StatusOr<util::UniqueFd> SealedMemfd(const std::string& token) {
  util::UniqueFd fd(memfd_create("minpriv-forge-token", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (fd.get() < 0) return absl::InternalError(absl::StrCat("memfd_create: ", strerror(errno)));
  size_t done = 0;
  while (done < token.size()) {
    ssize_t n = write(fd.get(), token.data() + done, token.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::InternalError(absl::StrCat("writing the memfd: ", strerror(errno)));
    done += static_cast<size_t>(n);
  }
  if (fcntl(fd.get(), F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0) {
    return absl::InternalError(absl::StrCat("sealing the memfd: ", strerror(errno)));
  }
  return fd;
}

// Single-quoted for sh: the path contains no quote (mkdtemp's template has none).
std::string ShQuote(const std::string& s) { return absl::StrCat("'", s, "'"); }

}  // namespace

std::string Redact(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  return absl::StrReplaceAll(text, {{secret, "***"}});
}

absl::StatusOr<Askpass> Askpass::Create(const std::string& username, const std::string& token) {
  if (token.find_first_of("\n\r") != std::string::npos) {
    return absl::InvalidArgumentError("the token contains a line break; give it on one line");
  }
  if (username.find('\'') != std::string::npos) {
    return absl::InvalidArgumentError("the git user name contains a quote");
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = absl::StrCat(tmp && *tmp ? tmp : "/tmp", "/minpriv-git-XXXXXX");
  if (mkdtemp(templ.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("cannot create a private directory under ",
                                            tmp && *tmp ? tmp : "/tmp", ": ", strerror(errno)));
  }
  Askpass a;
  a.dir_ = templ;
  a.token_ = token;
  chmod(a.dir_.c_str(), 0700);
  absl::StatusOr<util::UniqueFd> memfd = SealedMemfd(token);
  if (!memfd.ok()) return memfd.status();
  a.token_fd_ = *std::move(memfd);
  a.script_ = a.dir_ + "/askpass";
  // Git asks "Username for 'https://host': " and then "Password for 'https://user@host': ".
  // Opening /proc/self/fd/N makes a new open file of the memfd, so every answer starts at
  // the token's first byte, whichever process read it before.
  std::string script = absl::StrCat(
      "#!/bin/sh\n"
      "# minpriv: answers git's credential prompts from descriptor ", a.token_fd_.get(),
      ", inherited from minpriv.\n"
      "case \"$1\" in\n"
      "  Username*) printf '%s\\n' ", ShQuote(username), " ;;\n"
      "  *) cat /proc/self/fd/", a.token_fd_.get(), " ;;\n"
      "esac\n");
  if (absl::Status s = WriteMode(a.script_, script, 0700); !s.ok()) return s;
  return a;
}

Askpass::Askpass(Askpass&& other) noexcept
    : dir_(std::exchange(other.dir_, "")),
      script_(std::exchange(other.script_, "")),
      token_fd_(std::move(other.token_fd_)),
      token_(std::exchange(other.token_, "")) {}

Askpass& Askpass::operator=(Askpass&& other) noexcept {
  if (this != &other) {
    Remove();
    dir_ = std::exchange(other.dir_, "");
    script_ = std::exchange(other.script_, "");
    token_fd_ = std::move(other.token_fd_);
    token_ = std::exchange(other.token_, "");
  }
  return *this;
}

Askpass::~Askpass() { Remove(); }

void Askpass::Remove() {
  if (dir_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  dir_.clear();
}

}  // namespace minpriv::gitops
