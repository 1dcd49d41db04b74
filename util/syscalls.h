// x86_64 system call names, shared by the observer (decoding), the profiler and the
// remediator (seccomp). Numbers without a name (gaps in the table) return nullptr.
#ifndef MINPRIV_UTIL_SYSCALLS_H_
#define MINPRIV_UTIL_SYSCALLS_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace minpriv::util {

const char* SyscallName(uint32_t nr);
std::optional<uint32_t> SyscallNumber(std::string_view name);
uint32_t SyscallTableSize();

}  // namespace minpriv::util

#endif  // MINPRIV_UTIL_SYSCALLS_H_
