// A temporary directory for the imports tests, removed with its contents.
#ifndef MINPRIV_IMPORTS_TEST_DIR_H_
#define MINPRIV_IMPORTS_TEST_DIR_H_

#include <cstdlib>
#include <filesystem>
#include <string>

namespace minpriv::imports {

class TestDir {
 public:
  TestDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "minpriv-imports-XXXXXX").string();
    path_ = mkdtemp(tmpl.data()) ? tmpl : "";
  }
  ~TestDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TestDir(const TestDir&) = delete;
  TestDir& operator=(const TestDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace minpriv::imports

#endif  // MINPRIV_IMPORTS_TEST_DIR_H_
