// The offset from the kernel's boot-time clock (event timestamps) to Unix time, now.
// Internal to observer/.
#ifndef MINPRIV_OBSERVER_BOOT_CLOCK_H_
#define MINPRIV_OBSERVER_BOOT_CLOCK_H_

#include <time.h>

#include <cstdint>

namespace minpriv::observer {

// Add to a CLOCK_BOOTTIME timestamp (ns) to get Unix time (ns). Taken now: the wall clock
// may be stepped while the observer runs.
inline int64_t BootToUnixNs() {
  timespec real{}, boot{};
  clock_gettime(CLOCK_REALTIME, &real);
  clock_gettime(CLOCK_BOOTTIME, &boot);
  return (static_cast<int64_t>(real.tv_sec) - boot.tv_sec) * 1000000000LL +
         (static_cast<int64_t>(real.tv_nsec) - boot.tv_nsec);
}

}  // namespace minpriv::observer

#endif  // MINPRIV_OBSERVER_BOOT_CLOCK_H_
