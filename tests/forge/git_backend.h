// Git's smart HTTP as a forge serves it: `git http-backend` run as a CGI program for each
// request under the repositories' root (GIT_PROJECT_ROOT), with the authenticated user as
// REMOTE_USER (so that pushes are allowed).
#ifndef MINPRIV_TESTS_FORGE_GIT_BACKEND_H_
#define MINPRIV_TESTS_FORGE_GIT_BACKEND_H_

#include <string>

#include "http_server.h"

namespace minpriv::forge {

// `path_info`: "/owner/repo.git/info/refs"; `scratch`: a directory for the CGI's files.
Response RunGitHttpBackend(const Request& request, const std::string& project_root,
                           const std::string& path_info, const std::string& remote_user,
                           const std::string& scratch);

}  // namespace minpriv::forge

#endif  // MINPRIV_TESTS_FORGE_GIT_BACKEND_H_
