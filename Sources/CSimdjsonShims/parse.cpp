// SPDX-License-Identifier: Apache-2.0
// Parsing: simdjson's stages 1 and 2, then one walk over the tape that records byte offsets and
// enforces what Jansson enforces and simdjson does not.
#include "document.hpp"
#include <algorithm>
#include <new>

using namespace tg_sj;

namespace {

constexpr size_t initial_capacity = 64 * 1024;  // a large AdmissionReview; bigger ones grow the parser
constexpr size_t pairwise_limit = 16;           // below this many keys, comparing pairs beats sorting

tg_sj_status fail(tg_sj_error *error, tg_sj_status status, size_t offset = TG_SJ_NO_OFFSET,
                  const char *message = nullptr) {
    *error = {status, offset, message};
    return status;
}

/// Whether the text at a structural index starts the value the tape recorded there.
bool starts(char type, uint8_t byte) {
    switch (type) {
    case 'l': case 'u': case 'd': return byte == '-' || (byte >= '0' && byte <= '9');
    default: return byte == uint8_t(type);
    }
}

/// Keeps the finding that comes first in the text, as Jansson (which stops at the first
/// offending token) would report it.
void note(tg_sj_error *first, tg_sj_status status, size_t offset) {
    if (first->status == TG_SJ_OK || offset < first->offset) *first = {status, offset, nullptr};
}

/// Refuses NUL in keys (Jansson cannot hold them) and duplicate keys (compared unescaped, so
/// "a" and "\u0061" collide). Small objects compare pairwise; larger ones sort the keys, which
/// costs O(n log n) whatever the keys are (a hash set could be driven quadratic by chosen keys).
void check_object(tg_sj_parser *parser, const tg_sj_document *doc, uint32_t open, uint32_t close, tg_sj_error *first) {
    const uint64_t *tape = doc->dom.tape.get();
    auto &keys = parser->keys;
    keys.clear();
    for (uint32_t key = open + 1; key < close; key = after(tape, key + 1)) {
        std::string_view name = string_at(doc->dom, key);
        if (std::memchr(name.data(), 0, name.size())) note(first, TG_SJ_NUL_IN_KEY, doc->offsets[key]);
        keys.emplace_back(name, key);
    }
    if (keys.size() <= pairwise_limit) {
        for (size_t i = 1; i < keys.size(); i++)
            for (size_t j = 0; j < i; j++)
                if (keys[i].first == keys[j].first) note(first, TG_SJ_DUPLICATE_KEY, doc->offsets[keys[i].second]);
        return;
    }
    // Sorted by (key, tape index): in a run of equal keys the second is the first repeat.
    std::sort(keys.begin(), keys.end());
    for (size_t i = 1; i < keys.size(); i++)
        if (keys[i].first == keys[i - 1].first) note(first, TG_SJ_DUPLICATE_KEY, doc->offsets[keys[i].second]);
}

/// Pairs each tape entry with its structural index (the byte where its text starts): stage 1
/// lists one per value and per bracket, plus the ',' and ':' between them, all in tape order.
/// Findings do not stop the walk: the one earliest in the text is reported.
tg_sj_status walk(tg_sj_parser *parser, tg_sj_document *doc, tg_sj_error *error) {
    const uint64_t *tape = doc->dom.tape.get();
    const auto &stage1 = *parser->parser.implementation;
    const uint32_t *structurals = stage1.structural_indexes.get();
    const uint32_t count = stage1.n_structural_indexes;
    const uint8_t *text = doc->input.get();
    doc->tape_length = uint32_t(tape[0] & payload_mask);  // the closing root entry is the last
    doc->offsets.reset(new (std::nothrow) uint32_t[doc->tape_length]);
    if (!doc->offsets) return fail(error, TG_SJ_OUT_OF_MEMORY);
    tg_sj_error first = {TG_SJ_OK, TG_SJ_NO_OFFSET, nullptr};
    uint32_t s = 0;
    for (uint32_t i = 1; i + 1 < doc->tape_length;) {
        while (s < count && (text[structurals[s]] == ',' || text[structurals[s]] == ':')) s++;
        const char type = type_at(tape, i);
        if (s == count || !starts(type, text[structurals[s]])) return fail(error, TG_SJ_INTERNAL);
        const uint32_t at = structurals[s++];
        doc->offsets[i] = at;
        switch (type) {
        case 'u': note(&first, TG_SJ_BIG_INTEGER, at); [[fallthrough]];
        case 'l': case 'd': doc->offsets[i + 1] = at; i += 2; continue;
        case '}': check_object(parser, doc, uint32_t(tape[i] & payload_mask), i, &first); break;
        default: break;
        }
        i++;
    }
    if (first.status != TG_SJ_OK) return fail(error, first.status, first.offset);
    doc->offsets[0] = doc->tape_length > 2 ? doc->offsets[1] : 0;
    doc->offsets[doc->tape_length - 1] = uint32_t(doc->length);
    return TG_SJ_OK;
}

tg_sj_status from_simdjson(simdjson::error_code code, tg_sj_error *error) {
    switch (code) {
    case simdjson::DEPTH_ERROR: return fail(error, TG_SJ_TOO_DEEP, TG_SJ_NO_OFFSET, simdjson::error_message(code));
    case simdjson::CAPACITY: return fail(error, TG_SJ_TOO_LARGE, TG_SJ_NO_OFFSET, simdjson::error_message(code));
    case simdjson::MEMALLOC: return fail(error, TG_SJ_OUT_OF_MEMORY, TG_SJ_NO_OFFSET, simdjson::error_message(code));
    default: return fail(error, TG_SJ_INVALID, TG_SJ_NO_OFFSET, simdjson::error_message(code));
    }
}

} // namespace

extern "C" tg_sj_parser *tg_sj_parser_create(size_t max_depth, size_t max_bytes) {
    auto *parser = new (std::nothrow) tg_sj_parser();
    if (!parser) return nullptr;
    // Offsets are 32-bit, as are simdjson's own structural indexes.
    // The size limit is checked here, not with set_max_capacity: in simdjson 3.0.1 that setter
    // inverts its test and caps every parser at 32 bytes.
    parser->max_bytes = std::min<size_t>(max_bytes, simdjson::SIMDJSON_MAXSIZE_BYTES - simdjson::SIMDJSON_PADDING);
    if (parser->parser.allocate(std::min(initial_capacity, parser->max_bytes), std::max<size_t>(max_depth, 1))) {
        delete parser;
        return nullptr;
    }
    return parser;
}

extern "C" void tg_sj_parser_destroy(tg_sj_parser *parser) { delete parser; }

extern "C" void tg_sj_document_destroy(tg_sj_document *document) { delete document; }

extern "C" tg_sj_document *tg_sj_parse(tg_sj_parser *parser, const void *bytes, size_t length, tg_sj_error *error) {
    *error = {TG_SJ_OK, TG_SJ_NO_OFFSET, nullptr};
    if (length > parser->max_bytes) { fail(error, TG_SJ_TOO_LARGE); return nullptr; }
    auto &dom = parser->parser;
    if (length > dom.capacity()) {  // grow geometrically, so a run of growing bodies allocates rarely
        size_t wanted = std::min(std::max(length, 2 * dom.capacity()), parser->max_bytes);
        if (dom.allocate(wanted, dom.max_depth())) { fail(error, TG_SJ_OUT_OF_MEMORY); return nullptr; }
    }
    std::unique_ptr<tg_sj_document> doc(new (std::nothrow) tg_sj_document());
    if (doc) doc->input.reset(new (std::nothrow) uint8_t[length + simdjson::SIMDJSON_PADDING]);
    if (!doc || !doc->input) { fail(error, TG_SJ_OUT_OF_MEMORY); return nullptr; }
    if (length > 0) std::memcpy(doc->input.get(), bytes, length);
    std::memset(doc->input.get() + length, 0, simdjson::SIMDJSON_PADDING);
    doc->length = length;
    auto result = dom.parse_into_document(doc->dom, doc->input.get(), length, false);
    if (result.error()) { from_simdjson(result.error(), error); return nullptr; }
    try {
        if (walk(parser, doc.get(), error) != TG_SJ_OK) return nullptr;
    } catch (const std::bad_alloc &) {  // the key list of a huge object
        fail(error, TG_SJ_OUT_OF_MEMORY);
        return nullptr;
    }
    return doc.release();
}
