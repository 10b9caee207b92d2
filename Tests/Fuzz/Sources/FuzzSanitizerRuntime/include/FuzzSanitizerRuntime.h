// SPDX-License-Identifier: Apache-2.0
// Nothing to import: this target only supplies a symbol the sanitizer runtime may lack (termio.c).
