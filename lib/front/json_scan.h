/* The spec's JSON reader (spec.c parses with it; the sjson tree it builds
 * is read by the cache key, the tracer, explain and values.c). A strict RFC 8259 parser that
 * builds the sjson tree directly, keeping what cJSON 1.7.15 drops: integer vs
 * float as written, every value's span, strings holding NUL bytes, and the
 * reason a text is not JSON. (cJSON also rejects valid numbers longer than 63
 * characters and accepts `01`, `1.` and control bytes as whitespace; the unit
 * tests use it as an oracle on the inputs where it is right.) */
#ifndef TJ_JSON_SCAN_H
#define TJ_JSON_SCAN_H
#include <stddef.h>

#include "spec.h"

/* Values in one JSON text: about 100 bytes each, so a 64 MB spec of tiny
 * numbers cannot take gigabytes. Large data belongs in an .npy file. */
#define JSON_MAX_VALUES (1 << 21)

/* Parses the whole text of src as one JSON value. Nodes, strings and paths
 * are allocated in a; root_path names the root ("" for a spec, "--args" on
 * the command line) and prefixes every path. NULL on error. */
const sjson *json_parse(tj_arena *a, diag_list *d, const tj_source *src,
                        const char *root_path);

/* Span of key i of an object made by json_parse (or by json_wrap_in_array's
 * caller: never called on anything else). */
tj_span json_key_span(const sjson *obj, uint32_t i);
/* Length of key i (keys may hold NUL bytes). */
uint32_t json_key_len(const sjson *obj, uint32_t i);
/* The value under key in obj, or NULL; *index gets its position if asked. */
const sjson *json_member(const sjson *obj, const char *key, uint32_t *index);
/* A one-element array holding v, with v's span and path ("static_argnums": 1
 * reads as [1]). */
sjson *json_wrap_in_array(tj_arena *a, const sjson *v);
/* True when a string value holds a NUL byte (it cannot be a name). */
bool json_has_nul(const sjson *v);

/* Appends to m the positions in the spec of string v's decoded bytes, which
 * are at offset base of a text made from it: each where it is written, an
 * escape's bytes at its backslash, and offset base + v->slen (the text's end,
 * or the "\n" joining it to the next string) at the closing quote. */
void json_string_positions(const sjson *v, uint32_t base, pos_map *m);

/* "a string", "an integer", "true", ... for "found X" in messages. */
const char *json_kind_name(const sjson *v);
/* Where an error about v is reported: its span in its source, its JSON
 * path as the message's prefix (none at the root of a spec). */
diag_at json_at(diag_list *d, const sjson *v);
/* Reports an error at span of v's source as "PATH: message" (no prefix at
 * the root of a spec). Returns false. */
bool json_error(diag_list *d, const sjson *v, tj_span span, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));
/* s as shown inside '' in a message: control bytes escaped as \xNN and long
 * text clipped with "...". Allocated in a. */
const char *json_show(tj_arena *a, const char *s, size_t n);

#endif
