#include "controller/conditions.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "controller/merge.h"

namespace minpriv::controller {

void SetCondition(crd::ProposalStatus& st, const std::string& type, crd::ConditionStatus status,
                  const std::string& reason, const std::string& message, int64_t generation) {
  crd::Condition c{type, status, reason, message, FormatApiTime(absl::Now()), generation};
  for (crd::Condition& old : st.conditions) {
    if (old.type != type) continue;
    if (old.status == status) c.last_transition_time = old.last_transition_time;
    old = c;
    return;
  }
  st.conditions.push_back(c);
  std::sort(st.conditions.begin(), st.conditions.end(),
            [](const crd::Condition& a, const crd::Condition& b) { return a.type < b.type; });
}

}  // namespace minpriv::controller
