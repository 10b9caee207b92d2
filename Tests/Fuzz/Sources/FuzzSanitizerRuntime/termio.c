// SPDX-License-Identifier: Apache-2.0
//
// Debian's compiler-rt 17 (the runtimes of sid's Swift 6.2.3) was built against a glibc without
// `struct termio`: its AddressSanitizer ioctl interceptors refer to __sanitizer::struct_termio_sz,
// which nothing in the runtime defines, so no sanitized executable links. This supplies it, as a
// weak definition that a runtime defining it (every other toolchain) overrides. 18 is sizeof the
// kernel's `struct termio` on Linux (four shorts, a char, eight control characters); ASan only uses
// it to mark what the TCGETA ioctl writes, which nothing here calls.
__attribute__((weak)) unsigned int tokengate_fuzz_struct_termio_sz __asm__("_ZN11__sanitizer16struct_termio_szE") = 18;
