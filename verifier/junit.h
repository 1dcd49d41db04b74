// The verdict of `minpriv verify` as a JUnit XML report (--junit FILE), for CI systems that
// publish test results: one <testsuite> per verify run, one <testcase> per verified
// container, one <failure> per break (type: the break's kind), an <error> when the replay
// was interrupted before a verdict, and the notes (what is not reproduced exactly) as
// <system-out>. Properties name the proposal, the workload, the container, the mode that
// ran (image@digest or host-root), its network, the --host-paths mode and the command.
// Deterministic: no timestamps, no host names.
#ifndef MINPRIV_VERIFIER_JUNIT_H_
#define MINPRIV_VERIFIER_JUNIT_H_

#include <string>
#include <string_view>

#include "verifier/verify.h"

namespace minpriv::verifier {

std::string VerifyJUnitXml(const VerifyOptions& options, const VerifyResult& result);

// `text` with &, <, >, " and ' escaped, and characters XML 1.0 cannot carry (control
// characters other than tab and newline) replaced by '?'.
std::string XmlEscape(std::string_view text);

}  // namespace minpriv::verifier

#endif  // MINPRIV_VERIFIER_JUNIT_H_
