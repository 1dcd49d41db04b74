// A forge for tests, on loopback: git over smart HTTP (`git http-backend` behind Basic
// authentication, as GitHub and GitLab serve it) and the REST subsets minpriv uses —
// GitHub pulls and issue labels, or GitLab merge requests — checking each request's
// method, path, headers and body as the public documentation specifies and answering as
// the forge does (numbers, URLs, states, pagination, 429 with Retry-After). It counts
// reads, writes and pushes, records every contract violation, and looks for the token in
// every process's command line and environment, and in every file under the directories
// it is told to watch, while git talks to it.
#ifndef MINPRIV_TESTS_FORGE_TEST_FORGE_H_
#define MINPRIV_TESTS_FORGE_TEST_FORGE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "http_server.h"

namespace minpriv::forge {

enum class Kind { kGitHub, kGitLab };

struct FakePull {
  int64_t number = 0;  // GitHub number, GitLab iid
  std::string head, base, title, body;
  std::string state = "open";  // open | closed | merged
  std::vector<std::string> labels;
};

// Shared by the API handlers (fake_github.cc, fake_gitlab.cc); guarded by `mu`.
struct ForgeState {
  std::mutex mu;
  Kind kind = Kind::kGitHub;
  std::string project;    // owner/repo, group/sub/project
  std::string token;
  std::string base_url;   // http://127.0.0.1:PORT
  std::string bare_repo;  // the repository git serves
  std::vector<FakePull> pulls;
  int64_t next_number = 1;
  int max_page_size = 100;
  int api_reads = 0, api_writes = 0, pushes = 0, fetches = 0;
  int rate_limit_next = 0, rate_limit_seconds = 1, rate_limit_status = 429;
  bool rate_limit_reset = false;  // announce the end as X-RateLimit-Reset, not Retry-After
  std::vector<std::string> violations;
  std::vector<std::string> token_sightings;
  std::vector<std::string> watched_dirs;  // no file under them may hold the token
  std::vector<std::string> log;  // "METHOD target -> status"
};

Response JsonResponse(int status, const std::string& body);
// Records a violation and answers 400 with it (the test then fails on violations()).
Response Violation(ForgeState& s, const Request& r, const std::string& what);
// Whether refs/heads/BRANCH exists in the served repository.
bool BranchExists(const ForgeState& s, const std::string& branch);

Response HandleGitHub(ForgeState& s, const Request& r, const std::string& api_path);
Response HandleGitLab(ForgeState& s, const Request& r, const std::string& api_path);

class TestForge {
 public:
  // `dir`: scratch (the bare repository is made there, with `initial_files` committed on
  // `base`).
  TestForge(Kind kind, const std::string& dir, const std::string& project, const std::string& token,
            const std::string& base = "main");
  ~TestForge();

  // false: the port or the repository could not be set up. With `tls` the forge serves git
  // and its API over HTTPS only (https://127.0.0.1:PORT).
  bool Start(std::optional<ServerCertificate> tls = std::nullopt);
  std::string api_url() const;
  std::string repo_url() const;  // http://127.0.0.1:PORT/git/<project>.git
  const std::string& bare_repo() const { return state_.bare_repo; }

  std::vector<FakePull> pulls();
  void SetState(int64_t number, const std::string& state);
  void RateLimitNext(int requests, int retry_after_seconds, int status = 429);
  // The primary limit spent: GitHub's 403 with X-RateLimit-Remaining: 0 and
  // X-RateLimit-Reset (epoch seconds), GitLab's 429 with RateLimit-Remaining/-Reset.
  void ExhaustRateLimitFor(int requests, int seconds);
  void SetMaxPageSize(int n);
  // While git talks to the forge, every file under these directories (the run's TMPDIR, its
  // work directory) is also searched for the token; a hit is a token sighting.
  void WatchFilesUnder(std::vector<std::string> dirs);
  // Adds `n` pull requests of other branches (pagination has something to page through).
  void AddUnrelatedPulls(int n);
  int api_reads();
  int api_writes();
  int pushes();
  std::vector<std::string> violations();
  std::vector<std::string> token_sightings();
  void ClearTokenSightings();  // after a test planted one on purpose
  std::vector<std::string> log();

 private:
  Response Handle(const Request& r);
  Response HandleGit(const Request& r, const std::string& rest);

  ForgeState state_;
  std::string dir_;
  std::string base_;
  int port_ = 0;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace minpriv::forge

#endif  // MINPRIV_TESTS_FORGE_TEST_FORGE_H_
