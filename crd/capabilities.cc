#include "crd/capabilities.h"

namespace minpriv::crd {
namespace {

// include/uapi/linux/capability.h, Linux 6.18.
constexpr const char* kNames[] = {
    "CHOWN",             // 0
    "DAC_OVERRIDE",      // 1
    "DAC_READ_SEARCH",   // 2
    "FOWNER",            // 3
    "FSETID",            // 4
    "KILL",              // 5
    "SETGID",            // 6
    "SETUID",            // 7
    "SETPCAP",           // 8
    "LINUX_IMMUTABLE",   // 9
    "NET_BIND_SERVICE",  // 10
    "NET_BROADCAST",     // 11
    "NET_ADMIN",         // 12
    "NET_RAW",           // 13
    "IPC_LOCK",          // 14
    "IPC_OWNER",         // 15
    "SYS_MODULE",        // 16
    "SYS_RAWIO",         // 17
    "SYS_CHROOT",        // 18
    "SYS_PTRACE",        // 19
    "SYS_PACCT",         // 20
    "SYS_ADMIN",         // 21
    "SYS_BOOT",          // 22
    "SYS_NICE",          // 23
    "SYS_RESOURCE",      // 24
    "SYS_TIME",          // 25
    "SYS_TTY_CONFIG",    // 26
    "MKNOD",             // 27
    "LEASE",             // 28
    "AUDIT_WRITE",       // 29
    "AUDIT_CONTROL",     // 30
    "SETFCAP",           // 31
    "MAC_OVERRIDE",      // 32
    "MAC_ADMIN",         // 33
    "SYSLOG",            // 34
    "WAKE_ALARM",        // 35
    "BLOCK_SUSPEND",     // 36
    "AUDIT_READ",        // 37
    "PERFMON",           // 38
    "BPF",               // 39
    "CHECKPOINT_RESTORE",  // 40
};
constexpr uint32_t kCount = sizeof(kNames) / sizeof(kNames[0]);

}  // namespace

const char* CapabilityName(uint32_t cap) { return cap < kCount ? kNames[cap] : nullptr; }

std::optional<uint32_t> CapabilityNumber(std::string_view name) {
  for (uint32_t i = 0; i < kCount; ++i) {
    if (name == kNames[i]) return i;
  }
  return std::nullopt;
}

uint32_t CapabilityCount() { return kCount; }

}  // namespace minpriv::crd
