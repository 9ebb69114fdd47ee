/* The persistent jit cache (tjit-cache(1)): one file per compiled call in
 * a directory, named by the hex digest of its key, holding what `tjit run`
 * needs to skip tracing, code generation and compilation on a hit: the
 * traced inputs' avals (checked against the call's), the outputs' avals
 * (to allocate them) and the ELF object libtcc wrote for the generated C
 * (loading it back is 2-13x faster than compiling the C again; the figures
 * are in the man page).
 *
 * Entry file (little-endian):
 *   0   magic "TJITOBJ\n"
 *   8   u32 format version (DC_FORMAT_VERSION), u32 0
 *   16  the entry's key digest (lo, hi: 16 bytes), as in its file name
 *   32  u64 payload length
 *   40  MAC: keyed BLAKE2b-256 (libsodium's crypto_generichash) of bytes
 *       0-39 and the payload, under the user's cache key (dc_key_load)
 *   72  payload: u32 needs (JIT_NEEDS_*), u32 nin, nin avals, u32 nout,
 *       nout avals, u64 temporaries' bytes and u32 n, n avals (the
 *       memory estimate of mem_estimate.h, so a hit is held to the same
 *       --max-memory as a traced call), u32 n and n bytes of the result's
 *       pytree structure (UTF-8 without control characters, "(*, {'a': *})": how tjit run
 *       shows the outputs), u64 object length, the object's bytes
 *   aval: u8 dtype, u8 weak, u8 rank, u8 0, rank u64 dims
 * A reader checks the header and the MAC, then every field, and takes
 * anything else (truncated, flipped, foreign, another version, written
 * under another key) for a miss; the writer then replaces it. The MAC is
 * what makes loading the object safe: an unkeyed checksum let anyone who
 * could write one file in the directory run code as its next user. Writes
 * go to a temporary file in the same directory, renamed over the entry,
 * so readers see a whole entry or none. */
#ifndef TJ_DISKCACHE_H
#define TJ_DISKCACHE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache_key.h"
#include "diag.h"
#include "dtype.h"
#include "mem_estimate.h"
#include "tjit.h"
#include "util.h"

#define DC_MAGIC "TJITOBJ\n"
#define DC_FORMAT_VERSION 4u /* 4: the result's pytree structure */
#define DC_MAC_OFFSET 40
#define DC_MAC_BYTES 32
#define DC_HEADER_BYTES (DC_MAC_OFFSET + DC_MAC_BYTES)
/* A file larger than this is not an entry (a 30,000-line program's object
 * is about 1 MB). */
#define DC_MAX_ENTRY_BYTES (256u << 20)

/* The user's secret key for the entries' MACs (tjit-cache(1), TRUST
 * MODEL): 32 random bytes, kept as 64 hexadecimal digits in a file of
 * its own outside the cache directory. */
#define DC_KEY_BYTES 32
typedef struct dc_key {
  unsigned char bytes[DC_KEY_BYTES];
} dc_key;

/* $TJIT_CACHE_KEY, else $XDG_CONFIG_HOME/tjit/cache.key, else
 * $HOME/.config/tjit/cache.key (malloc'd); NULL when none is set. */
char *dc_key_default_path(void);
/* Reads the key file at path, creating it (mode 0600, its directories
 * 0700) with a new random key when there is none. False, the reason
 * reported at at, for a file that is not a regular file of the user's, is
 * readable or writable by others, or does not hold a key. */
bool dc_key_load(const diag_at *at, const char *path, dc_key *key);

/* What an entry holds. decode fills ins/outs (malloc'd: dc_entry_free)
 * and points object into the bytes it decoded. */
typedef struct dc_entry {
  unsigned needs;            /* JIT_NEEDS_* */
  uint32_t nin, nout;
  tj_aval *ins, *outs;
  mem_estimate mem;          /* the run's temporaries */
  const char *tree;          /* the result's pytree structure (tree_len bytes, no NUL) */
  uint32_t tree_len;
  const char *object;
  size_t object_len;
} dc_entry;

/* The name of the entry for a call's jit cache key: the key combined with
 * everything else the object depends on (the tjit version, CG_ABI_VERSION,
 * the entry format, the target). */
cache_digest dc_entry_digest(cache_digest call_key);

/* Appends the entry file's bytes for key to out, sealed with mac. */
void dc_encode(cache_digest key, const dc_key *mac, const dc_entry *e, tj_buf *out);
/* Verifies data as the entry of key sealed with mac; false with the
 * reason in why. */
bool dc_decode(cache_digest key, const dc_key *mac, const char *data, size_t len, dc_entry *out, char *why,
               size_t whysize);
void dc_entry_free(dc_entry *e);

/* The key the cache's entries are sealed with. */
const dc_key *dc_cache_key(const tj_cache *c);
/* The directory's files: the entry of key, read whole into data (false:
 * none, unreadable, too large, or not a regular file of the user's that
 * only the user can write), and its atomic replacement (false after
 * turning the cache off with a warning). */
bool dc_read(tj_cache *c, cache_digest key, tj_buf *data);
bool dc_write(tj_cache *c, cache_digest key, const tj_buf *data);
/* Counts a lookup for the directory's hit and miss counters. */
void dc_count(tj_cache *c, bool hit);

/* Whether name is one of the cache's own files: an entry (32 lowercase
 * hex digits), a temporary file of a writer, or the counters file. */
bool dc_own_file(const char *name);

#endif
