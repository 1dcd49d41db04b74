// The system calls of a plain C library wrapper, read from its code: `mkdir` in glibc is
// `mov $83,%eax; syscall; cmp; jae; ret; <set errno>; ret`, so it makes mkdir and nothing
// else, whatever a hand-written table says about other versions or C libraries.
//
// Sound by refusal: the function is decoded from its first byte to its .eh_frame end with a
// small x86_64 decoder that knows only the instructions such wrappers use; any other
// instruction, any call, any indirect branch, any branch leaving the function or landing
// between instructions, a last instruction that may fall through, or a `syscall` not
// immediately preceded by `mov $N,%eax` (or that a branch lands on) gives nullopt, and the
// caller keeps the table's answer.
#ifndef MINPRIV_IMPORTS_WRAPPER_CODE_H_
#define MINPRIV_IMPORTS_WRAPPER_CODE_H_

#include <cstdint>
#include <optional>
#include <set>

#include "absl/strings/string_view.h"

namespace minpriv::imports {

// `code` holds the function's bytes from its entry to its end.
std::optional<std::set<uint32_t>> WrapperSyscalls(absl::string_view code);

}  // namespace minpriv::imports

#endif  // MINPRIV_IMPORTS_WRAPPER_CODE_H_
