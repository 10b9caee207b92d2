// SPDX-License-Identifier: Apache-2.0
// What the two halves of the shim share: the handles' layout and how the tape is read.
// Tape format: simdjson's doc/tape.md (stable since 0.3): one 64-bit word per entry, the type in
// the top byte; containers point past their end, numbers take a second word for the value.
#pragma once
#include "tokengate_simdjson.h"
#include <simdjson.h>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

struct tg_sj_parser {
    simdjson::dom::parser parser;
    size_t max_bytes = 0;
    /// Reused by the duplicate-key check of objects too large to compare pairwise.
    std::vector<std::pair<std::string_view, uint32_t>> keys;
};

struct tg_sj_document {
    simdjson::dom::document dom;
    /// The input followed by SIMDJSON_PADDING bytes: simdjson's stage 1 reads them.
    std::unique_ptr<uint8_t[]> input;
    size_t length = 0;
    /// Byte offset in `input` of each tape entry (a number's second word repeats the first).
    std::unique_ptr<uint32_t[]> offsets;
    uint32_t tape_length = 0;
};

namespace tg_sj {

constexpr uint64_t payload_mask = 0x00FFFFFFFFFFFFFFull;

inline char type_at(const uint64_t *tape, uint32_t index) { return char(tape[index] >> 56); }

/// The index just after the value at `index` (containers: past their closing entry).
inline uint32_t after(const uint64_t *tape, uint32_t index) {
    switch (type_at(tape, index)) {
    case '{': case '[': return uint32_t(tape[index]);
    case 'l': case 'u': case 'd': return index + 2;
    default: return index + 1;
    }
}

inline std::string_view string_at(const simdjson::dom::document &dom, uint32_t index) {
    const uint8_t *at = dom.string_buf.get() + (dom.tape[index] & payload_mask);
    uint32_t length;
    std::memcpy(&length, at, sizeof length);
    return {reinterpret_cast<const char *>(at + sizeof length), length};
}

inline bool is_json_space(uint8_t byte) { return byte == ' ' || byte == '\n' || byte == '\r' || byte == '\t'; }

} // namespace tg_sj
