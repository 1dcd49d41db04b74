// Names the proposal gives to Kubernetes objects it creates (volumes, SeccompProfiles).
#ifndef MINPRIV_REMEDIATOR_DNS_LABEL_H_
#define MINPRIV_REMEDIATOR_DNS_LABEL_H_

#include <string>
#include <string_view>

namespace minpriv::remediator {

// `raw` as an RFC 1123 label: lower case, runs of other characters as one '-', no '-' at
// either end; longer than 63 characters: the first 54, '-' and 8 hex digits of a hash of
// `raw` (FNV-1a), so distinct long names stay distinct. Deterministic.
std::string DnsLabel(std::string_view raw);

}  // namespace minpriv::remediator

#endif  // MINPRIV_REMEDIATOR_DNS_LABEL_H_
