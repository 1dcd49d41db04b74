// The token's way to `git`: never argv, never the environment of a process we do not own,
// never .git/config. A private directory (0700, removed with this object) holds the token
// (0600) and a GIT_ASKPASS script that answers git's username prompt with the forge's
// user name and its password prompt with the token file's content. Git runs the script
// as its own child; the only thing on any command line is the script's path.
#ifndef MINPRIV_GITOPS_ASKPASS_H_
#define MINPRIV_GITOPS_ASKPASS_H_

#include <string>

#include "absl/status/statusor.h"

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
  const std::string& token() const { return token_; }        // for redaction only

 private:
  void Remove();
  std::string dir_;
  std::string script_;
  std::string token_;
};

// `text` with every occurrence of `secret` replaced by "***" (a no-op for an empty secret).
std::string Redact(std::string text, const std::string& secret);

}  // namespace minpriv::gitops

#endif  // MINPRIV_GITOPS_ASKPASS_H_
