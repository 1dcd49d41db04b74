#include "controller/settings_cache.h"

#include <utility>

namespace minpriv::controller {

crd::EffectiveSettings DefaultSettings(const Windows& windows, crd::Delivery delivery) {
  crd::EffectiveSettings s;
  s.quiet_period = windows.quiet_period;
  s.min_window = windows.min_window;
  s.max_window = windows.max_window;
  s.delivery = delivery;
  return s;
}

Windows WindowsOf(const crd::EffectiveSettings& settings) {
  return Windows{settings.quiet_period, settings.min_window, settings.max_window};
}

}  // namespace minpriv::controller
