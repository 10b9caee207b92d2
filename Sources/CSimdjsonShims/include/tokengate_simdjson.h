// SPDX-License-Identifier: Apache-2.0
// A plain C view of simdjson's DOM, so Swift needs no C++ interop. Only TokenGateJSON's
// Simdjson.swift imports this module.
//
// A parse copies the input into the document (simdjson reads 64 bytes past the end; the copy
// carries that padding and lets a view hand out slices of the original text), runs simdjson's
// two stages with the parser's reusable buffers, then walks the tape once to record every
// value's byte offset and to refuse what simdjson accepts but TokenGate's Jansson reader does
// not: duplicate object keys, NUL in a key, integers above INT64_MAX. A document never changes
// after tg_sj_parse returns, so it may be read from any thread; a parser may not be shared.
#ifndef TOKENGATE_SIMDJSON_H
#define TOKENGATE_SIMDJSON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tg_sj_parser tg_sj_parser;
typedef struct tg_sj_document tg_sj_document;

/// A value: its index in the document's tape. 0 is never a value ("none").
typedef uint32_t tg_sj_node;

typedef enum {
    TG_SJ_OK = 0,
    /// simdjson refused the text: syntax, UTF-8, a string escape, a number out of range.
    TG_SJ_INVALID = 1,
    TG_SJ_TOO_DEEP = 2,
    TG_SJ_TOO_LARGE = 3,
    TG_SJ_DUPLICATE_KEY = 4,
    TG_SJ_NUL_IN_KEY = 5,
    /// An integer above INT64_MAX (simdjson reads it as uint64; Jansson refuses it).
    TG_SJ_BIG_INTEGER = 6,
    TG_SJ_OUT_OF_MEMORY = 7,
    /// The tape and simdjson's structural index disagree: only a simdjson change can cause this.
    TG_SJ_INTERNAL = 8,
} tg_sj_status;

#define TG_SJ_NO_OFFSET SIZE_MAX

typedef struct {
    tg_sj_status status;
    /// Byte offset in the input of the key or number at fault, or TG_SJ_NO_OFFSET.
    size_t offset;
    /// simdjson's static description of its error, or NULL.
    const char *message;
} tg_sj_error;

/// A parser whose buffers are reused by every parse. Refuses documents nesting more than
/// `max_depth` (>= 1) arrays/objects or longer than `max_bytes`. NULL when out of memory.
tg_sj_parser *tg_sj_parser_create(size_t max_depth, size_t max_bytes);
void tg_sj_parser_destroy(tg_sj_parser *parser);

/// Parses `length` bytes. NULL on failure, with `error` filled in.
tg_sj_document *tg_sj_parse(tg_sj_parser *parser, const void *bytes, size_t length, tg_sj_error *error);
void tg_sj_document_destroy(tg_sj_document *document);

/// The top-level value.
tg_sj_node tg_sj_root(const tg_sj_document *document);
/// simdjson's tape type: '{' '[' '"' 'l' (int64) 'd' (double) 't' 'f' 'n'.
char tg_sj_type(const tg_sj_document *document, tg_sj_node node);
int64_t tg_sj_int64(const tg_sj_document *document, tg_sj_node node);
double tg_sj_double(const tg_sj_document *document, tg_sj_node node);
/// The unescaped UTF-8 of a string (NUL inside is possible), valid as long as the document.
const uint8_t *tg_sj_string(const tg_sj_document *document, tg_sj_node node, size_t *length);
/// Members of an object or elements of an array; 0 for anything else.
size_t tg_sj_count(const tg_sj_document *document, tg_sj_node node);
/// The first element of an array or the first key of an object; 0 when empty or not a container.
tg_sj_node tg_sj_first(const tg_sj_document *document, tg_sj_node container);
/// The entry after `node` in its container, 0 after the last. In an object keys and values
/// alternate: after a key comes its value, after a value the next key.
tg_sj_node tg_sj_next(const tg_sj_document *document, tg_sj_node node);
/// The value of member `key` of an object; 0 when absent or not an object.
tg_sj_node tg_sj_object_get(const tg_sj_document *document, tg_sj_node object, const void *key, size_t length);
/// Element `index` of an array; 0 when out of range or not an array.
tg_sj_node tg_sj_array_get(const tg_sj_document *document, tg_sj_node array, size_t index);
/// Where `node` is in the input: [*start, *end), the value's text without surrounding whitespace.
void tg_sj_source_range(const tg_sj_document *document, tg_sj_node node, size_t *start, size_t *end);
/// The parsed input (the document's own copy).
const uint8_t *tg_sj_source(const tg_sj_document *document, size_t *length);

#ifdef __cplusplus
}
#endif

#endif
