// minpriv-crdgen: prints minpriv's CustomResourceDefinitions (a YAML stream on stdout), or
// with --out-dir DIR writes one file per CRD there (deploy/crds/ holds the committed output).
#include <cstdio>
#include <cstring>
#include <string>

#include "crd/crd_manifests.h"
#include "util/files.h"

int main(int argc, char** argv) {
  std::string out_dir;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--out-dir") == 0 && i + 1 < argc) {
      out_dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: minpriv-crdgen [--out-dir DIR]\n");
      return 2;
    }
  }
  bool first = true;
  for (const minpriv::crd::CrdManifest& crd : minpriv::crd::CustomResourceDefinitions()) {
    std::string text = minpriv::crd::RenderCrdFile(crd);
    if (out_dir.empty()) {
      std::printf("%s%s", first ? "" : "---\n", text.c_str());
      first = false;
      continue;
    }
    std::string path = out_dir + "/" + crd.file_name;
    absl::Status s = minpriv::util::WriteFileAtomic(path, text);
    if (!s.ok()) {
      std::fprintf(stderr, "minpriv-crdgen: %s\n", std::string(s.message()).c_str());
      return 1;
    }
  }
  return 0;
}
