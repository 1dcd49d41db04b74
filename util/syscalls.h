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

// i386 names of the syscalls 32-bit tasks make (int 0x80 and friends: another numbering);
// nullptr for a gap. util/syscall_table_i386.cc.
const char* SyscallNameI386(uint32_t nr);

}  // namespace minpriv::util

#endif  // MINPRIV_UTIL_SYSCALLS_H_
