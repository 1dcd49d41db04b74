#include "verifier/junit.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace minpriv::verifier {

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\t' && ch != '\n') {
          out += '?';
        } else {
          out += ch;
        }
    }
  }
  return out;
}

namespace {

void Property(std::string& out, const std::string& name, const std::string& value) {
  absl::StrAppend(&out, "      <property name=\"", XmlEscape(name), "\" value=\"", XmlEscape(value),
                  "\"/>\n");
}

}  // namespace

std::string VerifyJUnitXml(const VerifyOptions& o, const VerifyResult& r) {
  const bool interrupted = r.interrupted_by != 0;
  const int failed = r.breaks.empty() ? 0 : 1;  // failed test cases (the only one)
  const std::string suite = absl::StrCat("minpriv verify ", o.proposal);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  absl::StrAppend(&out, "<testsuites name=\"minpriv verify\" tests=\"1\" failures=\"",
                  failed, "\" errors=\"", interrupted ? 1 : 0, "\">\n");
  absl::StrAppend(&out, "  <testsuite name=\"", XmlEscape(suite), "\" tests=\"1\" failures=\"",
                  failed, "\" errors=\"", interrupted ? 1 : 0, "\" skipped=\"0\">\n");
  out += "    <properties>\n";
  Property(out, "proposal", o.proposal);
  Property(out, "workload", r.workload);
  Property(out, "container", r.container);
  Property(out, "init-container", r.init_container ? "true" : "false");
  Property(out, "host-paths", HostPathModeName(o.host_paths));
  Property(out, "mode", r.mode == "image" ? absl::StrCat("image ", r.image, "@", r.image_digest)
                                          : r.mode);
  Property(out, "network", r.network);  // "own" or "host" (the pod address varies by run)
  Property(out, "command", absl::StrJoin(r.command.empty() ? o.command : r.command, " "));
  Property(out, "verdict", interrupted ? "interrupted" : r.verified() ? "verified" : "broken");
  out += "    </properties>\n";
  absl::StrAppend(&out, "    <testcase classname=\"", XmlEscape(r.workload), "\" name=\"",
                  XmlEscape(r.container), "\">\n");
  for (const auto& b : r.breaks) {
    absl::StrAppend(&out, "      <failure type=\"", XmlEscape(b.kind), "\" message=\"",
                    XmlEscape(b.message), "\">", XmlEscape(b.detail.empty() ? b.message : b.detail),
                    "</failure>\n");
  }
  if (interrupted) {
    absl::StrAppend(&out, "      <error type=\"interrupted\" message=\"interrupted by signal ",
                    r.interrupted_by, " before a verdict\"/>\n");
  }
  if (!r.notes.empty()) {
    absl::StrAppend(&out, "      <system-out>", XmlEscape(absl::StrJoin(r.notes, "\n")),
                    "</system-out>\n");
  }
  out += "    </testcase>\n  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace minpriv::verifier
