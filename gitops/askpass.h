// The token's way to `git`: never argv, never the environment, never .git/config, never a
// file. The token lives in a sealed memfd (memfd_create, then F_SEAL_WRITE/GROW/SHRINK/SEAL:
// read-only and fixed from then on), close-on-exec in minpriv; only a child started with
// token_fd() in util::SpawnOptions::inherit_fds gets it (git, and through git its remote
// helpers and GIT_ASKPASS). A private directory (0700, removed with this object) holds the
// GIT_ASKPASS script, which answers git's username prompt with the forge's user name and its
// password prompt with `cat /proc/self/fd/N` (a fresh read of the memfd each time). The
// script names a descriptor number, not the token; nothing under the directory holds it.
#ifndef MINPRIV_GITOPS_ASKPASS_H_
#define MINPRIV_GITOPS_ASKPASS_H_

#include <string>

#include "absl/status/statusor.h"
#include "util/fd.h"

namespace minpriv::gitops {

class Askpass {
 public:
  // Creates the directory under $TMPDIR (or /tmp). An empty token still makes the script
  // (it answers with nothing, so an anonymous remote keeps working and a private one fails
  // with git's own "Authentication failed").
  static absl::StatusOr<Askpass> Create(const std::string& username, const std::string& token);

  Askpass() = default;
  Askpass(Askpass&& other) noexcept;
  Askpass& operator=(Askpass&& other) noexcept;
  Askpass(const Askpass&) = delete;
  Askpass& operator=(const Askpass&) = delete;
  ~Askpass();

  const std::string& dir() const { return dir_; }            // scratch space for the caller too
  const std::string& script() const { return script_; }      // the GIT_ASKPASS program
  int token_fd() const { return token_fd_.get(); }           // for SpawnOptions::inherit_fds
  const std::string& token() const { return token_; }        // for redaction only

 private:
  void Remove();
  std::string dir_;
  std::string script_;
  util::UniqueFd token_fd_;
  std::string token_;
};

// `text` with every occurrence of `secret` replaced by "***" (a no-op for an empty secret).
std::string Redact(std::string text, const std::string& secret);

}  // namespace minpriv::gitops

#endif  // MINPRIV_GITOPS_ASKPASS_H_
