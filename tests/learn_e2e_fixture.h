// What the end-to-end tests of `minpriv learn` share (tests/learn_e2e_*_test.cc): the real
// `minpriv learn` binary, the real BPF observer on this kernel, small shell/python workloads
// doing known things; the written profile is parsed with the codec.
#ifndef MINPRIV_TESTS_LEARN_E2E_FIXTURE_H_
#define MINPRIV_TESTS_LEARN_E2E_FIXTURE_H_

#include <string>
#include <vector>

#include "crd/profile_codec.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace minpriv::learn_e2e {

using test::RunResult;

class LearnE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    ASSERT_FALSE(dir_.empty());
    out_ = dir_ + "/profile.yaml";
  }

  // `minpriv ARGS...`, its output captured in the test's directory.
  RunResult RunMinpriv(const std::vector<std::string>& args) {
    return test::RunMinpriv(args, dir_, "minpriv");
  }

  crd::ContainerProfile Profile(const RunResult& r, int expected_exit = 0) {
    EXPECT_EQ(r.exit_code, expected_exit) << r.err;
    auto p = crd::ReadWorkloadProfileFile(out_);
    EXPECT_TRUE(p.ok()) << p.status();
    if (!p.ok() || p->containers.size() != 1) {
      ADD_FAILURE() << "no single-container profile\n" << r.err;
      return {};
    }
    last_ = *p;
    return p->containers[0];
  }

  const crd::FileWrite* FindWrite(const crd::ContainerProfile& c, const std::string& path) {
    for (const auto& f : c.file_writes) {
      if (f.path == path) return &f;
    }
    return nullptr;
  }

  test::TempDir tmp_{"/tmp/minpriv-learn-e2e-"};
  std::string dir_, out_;
  crd::WorkloadProfile last_;
};

}  // namespace minpriv::learn_e2e

#endif  // MINPRIV_TESTS_LEARN_E2E_FIXTURE_H_
