/* The floor of observing syscalls at all: an empty program on tp_btf/sys_enter. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tp_btf/sys_enter")
int empty_sys_enter(void* ctx) { return 0; }

char LICENSE[] SEC("license") = "GPL";
