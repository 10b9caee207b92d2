// SPDX-License-Identifier: Apache-2.0
// Reading a parsed document. Every node handed out came from these functions, so indexes are
// always in range; the checks here are on types, not bounds.
#include "document.hpp"

using namespace tg_sj;

namespace {

inline const uint64_t *tape(const tg_sj_document *document) { return document->dom.tape.get(); }

/// Containers store a member count saturated at 24 bits; past that, count by walking.
constexpr uint64_t saturated_count = 0xFFFFFF;

} // namespace

extern "C" tg_sj_node tg_sj_root(const tg_sj_document *) { return 1; }

extern "C" char tg_sj_type(const tg_sj_document *document, tg_sj_node node) { return type_at(tape(document), node); }

extern "C" int64_t tg_sj_int64(const tg_sj_document *document, tg_sj_node node) {
    return type_at(tape(document), node) == 'l' ? int64_t(tape(document)[node + 1]) : 0;
}

extern "C" double tg_sj_double(const tg_sj_document *document, tg_sj_node node) {
    const uint64_t *t = tape(document);
    switch (type_at(t, node)) {
    case 'l': return double(int64_t(t[node + 1]));
    case 'd': { double value; std::memcpy(&value, &t[node + 1], sizeof value); return value; }
    default: return 0;
    }
}

extern "C" const uint8_t *tg_sj_string(const tg_sj_document *document, tg_sj_node node, size_t *length) {
    if (type_at(tape(document), node) != '"') { *length = 0; return nullptr; }
    std::string_view text = string_at(document->dom, node);
    *length = text.size();
    return reinterpret_cast<const uint8_t *>(text.data());
}

extern "C" tg_sj_node tg_sj_first(const tg_sj_document *document, tg_sj_node container) {
    const uint64_t *t = tape(document);
    char type = type_at(t, container);
    if (type != '{' && type != '[') return 0;
    char next = type_at(t, container + 1);
    return next == '}' || next == ']' ? 0 : container + 1;
}

extern "C" tg_sj_node tg_sj_next(const tg_sj_document *document, tg_sj_node node) {
    const uint64_t *t = tape(document);
    uint32_t next = after(t, node);
    char type = type_at(t, next);
    return type == '}' || type == ']' ? 0 : next;
}

extern "C" size_t tg_sj_count(const tg_sj_document *document, tg_sj_node node) {
    const uint64_t *t = tape(document);
    char type = type_at(t, node);
    if (type != '{' && type != '[') return 0;
    uint64_t count = (t[node] >> 32) & saturated_count;
    if (count < saturated_count) return size_t(count);
    size_t walked = 0;
    for (tg_sj_node item = tg_sj_first(document, node); item; item = tg_sj_next(document, item)) walked++;
    return type == '{' ? walked / 2 : walked;
}

extern "C" tg_sj_node tg_sj_object_get(const tg_sj_document *document, tg_sj_node object, const void *key, size_t length) {
    if (type_at(tape(document), object) != '{') return 0;
    std::string_view wanted(static_cast<const char *>(key), length);
    for (tg_sj_node name = tg_sj_first(document, object); name; name = tg_sj_next(document, name + 1)) {
        if (string_at(document->dom, name) == wanted) return name + 1;
    }
    return 0;
}

extern "C" tg_sj_node tg_sj_array_get(const tg_sj_document *document, tg_sj_node array, size_t index) {
    if (type_at(tape(document), array) != '[') return 0;
    tg_sj_node item = tg_sj_first(document, array);
    for (size_t i = 0; item && i < index; i++) item = tg_sj_next(document, item);
    return item;
}

extern "C" void tg_sj_source_range(const tg_sj_document *document, tg_sj_node node, size_t *start, size_t *end) {
    const uint64_t *t = tape(document);
    const uint8_t *text = document->input.get();
    *start = document->offsets[node];
    char type = type_at(t, node);
    if (type == '{' || type == '[') {  // the closing bracket is the entry before the one `after` names
        *end = size_t(document->offsets[after(t, node) - 1]) + 1;
        return;
    }
    // A scalar ends where the next entry starts, less whitespace and one ',' or ':' between.
    size_t stop = document->offsets[after(t, node)];
    while (stop > *start && is_json_space(text[stop - 1])) stop--;
    if (stop > *start && (text[stop - 1] == ',' || text[stop - 1] == ':')) stop--;
    while (stop > *start && is_json_space(text[stop - 1])) stop--;
    *end = stop;
}

extern "C" const uint8_t *tg_sj_source(const tg_sj_document *document, size_t *length) {
    *length = document->length;
    return document->input.get();
}
