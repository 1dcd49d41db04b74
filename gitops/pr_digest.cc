#include "gitops/pr_digest.h"

#include <openssl/evp.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace minpriv::gitops {
namespace {

constexpr char kMarkerPrefix[] = "<!-- minpriv:proposal-digest=";

void Field(EVP_MD_CTX* ctx, const std::string& s) {
  // Length-prefixed, so that no two sequences of fields hash alike.
  std::string len = absl::StrCat(s.size(), ":");
  EVP_DigestUpdate(ctx, len.data(), len.size());
  EVP_DigestUpdate(ctx, s.data(), s.size());
}

}  // namespace

std::string ProposalDigest(const WorkloadChange& change) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  Field(ctx, "minpriv-proposal-v1");
  const WorkloadRef& w = change.workload;
  for (const std::string* s : {&w.api_version, &w.kind, &w.namespace_, &w.name}) Field(ctx, *s);
  for (const FileChange& c : change.changes) {
    Field(ctx, c.path);
    Field(ctx, c.new_content);
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx, md, &n);
  EVP_MD_CTX_free(ctx);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

std::string DigestMarker(const std::string& digest) {
  return absl::StrCat(kMarkerPrefix, digest, " -->");
}

std::string DigestInBody(const std::string& body) {
  size_t at = body.find(kMarkerPrefix);
  if (at == std::string::npos) return "";
  size_t start = at + sizeof(kMarkerPrefix) - 1;
  size_t end = start;
  while (end < body.size() && absl::ascii_isxdigit(static_cast<unsigned char>(body[end]))) ++end;
  return body.substr(start, end - start);
}

}  // namespace minpriv::gitops
