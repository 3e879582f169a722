/*
 * A hash index from names to items the caller owns: open addressing with linear probing,
 * backward-shift deletion, at most half full. Names come from records anyone with write access
 * to the stream can shape, so they are hashed with SipHash-2-4 under a key drawn once per run:
 * without the key, nobody can choose names that collide and turn lookups into linear scans.
 */
#ifndef CDCTOP_HASHIDX_H
#define CDCTOP_HASHIDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hashidx_key {
    uint64_t k0, k1; /* all zero is a valid (but guessable) key */
};

struct hashidx_slot {
    uint64_t hash;
    void *item; /* NULL: empty */
};

struct hashidx {
    struct hashidx_slot *slot;
    size_t cap; /* power of two, or 0 before the first add */
    size_t count;
};

/* SipHash-2-4 of n bytes (Aumasson and Bernstein, https://www.aumasson.jp/siphash/). */
uint64_t hashidx_hash(const struct hashidx_key *key, const void *p, size_t n);

void hashidx_init(struct hashidx *x);
void hashidx_free(struct hashidx *x);

/* The item whose hash is `hash` and for which same(item, name) holds, or NULL. */
void *hashidx_find(const struct hashidx *x, uint64_t hash,
                   bool (*same)(const void *item, const void *name), const void *name);
/* Adds an item (not already in the index). */
void hashidx_add(struct hashidx *x, uint64_t hash, void *item);
/* Removes an item added with this hash; shrinks the table when it is mostly empty. */
void hashidx_remove(struct hashidx *x, uint64_t hash, const void *item);

/* Bytes the slot table takes now (0 before the first add). */
size_t hashidx_bytes(const struct hashidx *x);
/* Bytes that adding n more items would allocate on top of hashidx_bytes() (when it grows). */
size_t hashidx_add_cost(const struct hashidx *x, size_t n);

#endif
