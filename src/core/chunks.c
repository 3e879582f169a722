/*
 * Reassembly buffer for split DSQL changes. Few changes are ever pending at once (DSQL splits
 * only changes over 9 MiB), so plain lists are enough; the byte cap and the timeout keep a
 * stream of orphan fragments from growing it without bound.
 */
#include "chunks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "xalloc.h"

#define MAX_FRAGMENTS 65536u /* far above what 10 MiB records split into */
#define RECENT_IDS    1024u  /* completed ids remembered to recognise redeliveries */

/* The fragments of one image, possibly received before their head. */
struct image {
    struct image *next;
    char id[CHUNK_ID_MAX + 1];
    unsigned total; /* 0 until the head says */
    unsigned have;
    unsigned cap;
    char **part;
    size_t *part_len;
    size_t bytes;
    size_t record_bytes;
    int64_t first_ms;
};

struct head {
    struct head *next;
    char *data;
    size_t len;
    char ref_id[2][CHUNK_ID_MAX + 1]; /* "" when that image is inline */
    uint32_t crc[2];
    size_t record_bytes;
    int64_t first_ms;
};

struct chunks {
    struct image *images;
    struct head *heads;
    size_t bytes;
    size_t max_bytes;
    unsigned pending;
    char recent[RECENT_IDS][CHUNK_ID_MAX + 1];
    unsigned recent_next;
};

struct chunks *chunks_new(size_t max_bytes)
{
    struct chunks *c = xcalloc(1, sizeof *c);
    c->max_bytes = max_bytes;
    return c;
}

static void image_free(struct image *im)
{
    for (unsigned i = 0; i < im->cap; i++)
        free(im->part[i]);
    free(im->part);
    free(im->part_len);
    free(im);
}

static void head_free(struct head *h)
{
    free(h->data);
    free(h);
}

void chunks_free(struct chunks *c)
{
    if (!c)
        return;
    while (c->images) {
        struct image *n = c->images->next;
        image_free(c->images);
        c->images = n;
    }
    while (c->heads) {
        struct head *n = c->heads->next;
        head_free(c->heads);
        c->heads = n;
    }
    free(c);
}

static bool recently_completed(const struct chunks *c, const char *id)
{
    for (unsigned i = 0; i < RECENT_IDS; i++)
        if (c->recent[i][0] && strcmp(c->recent[i], id) == 0)
            return true;
    return false;
}

static void remember_completed(struct chunks *c, const char *id)
{
    snprintf(c->recent[c->recent_next], sizeof c->recent[0], "%s", id);
    c->recent_next = (c->recent_next + 1) % RECENT_IDS;
}

static struct image *find_image(const struct chunks *c, const char *id)
{
    for (struct image *im = c->images; im; im = im->next)
        if (strcmp(im->id, id) == 0)
            return im;
    return NULL;
}

static struct image *get_image(struct chunks *c, const char *id, int64_t now_ms)
{
    struct image *im = find_image(c, id);
    if (im)
        return im;
    im = xcalloc(1, sizeof *im);
    snprintf(im->id, sizeof im->id, "%s", id);
    im->first_ms = now_ms;
    im->next = c->images;
    c->images = im;
    return im;
}

static struct head *find_head_for(const struct chunks *c, const char *id)
{
    for (struct head *h = c->heads; h; h = h->next)
        if (strcmp(h->ref_id[0], id) == 0 || strcmp(h->ref_id[1], id) == 0)
            return h;
    return NULL;
}

static bool image_complete(const struct chunks *c, const char *id)
{
    const struct image *im = find_image(c, id);
    return im && im->total > 0 && im->have == im->total;
}

static bool head_complete(const struct chunks *c, const struct head *h)
{
    for (int i = 0; i < 2; i++)
        if (h->ref_id[i][0] && !image_complete(c, h->ref_id[i]))
            return false;
    return true;
}

/* The id chunks_take() is called with: the first fragmented image's id. */
static const char *head_key(const struct head *h)
{
    return h->ref_id[0][0] ? h->ref_id[0] : h->ref_id[1];
}

static bool set_total(struct image *im, unsigned total)
{
    if (total == 0 || total > MAX_FRAGMENTS)
        return false;
    if (im->total && im->total != total)
        return false;
    for (unsigned i = total; i < im->cap; i++)
        if (im->part[i])
            return false; /* a fragment beyond the announced count */
    im->total = total;
    return true;
}

enum chunks_result chunks_add_head(struct chunks *c, const char *data, size_t len,
                                   const struct chunk_ref *before, const struct chunk_ref *after,
                                   size_t record_bytes, int64_t now_ms, const char **completed_id)
{
    const struct chunk_ref *refs[2] = {before, after};
    const char *first = before ? before->id : after ? after->id : NULL;
    if (!first)
        return CHUNKS_INVALID;
    if (recently_completed(c, first) || find_head_for(c, first))
        return CHUNKS_REPEAT;
    if (c->max_bytes && c->bytes + len > c->max_bytes)
        return CHUNKS_FULL;
    struct head *h = xcalloc(1, sizeof *h);
    for (int i = 0; i < 2; i++) {
        if (!refs[i])
            continue;
        struct image *im = get_image(c, refs[i]->id, now_ms);
        if (!set_total(im, refs[i]->total)) {
            head_free(h);
            return CHUNKS_INVALID;
        }
        snprintf(h->ref_id[i], sizeof h->ref_id[i], "%s", refs[i]->id);
        h->crc[i] = refs[i]->crc;
    }
    h->data = xmalloc(len + 1);
    memcpy(h->data, data, len);
    h->data[len] = '\0';
    h->len = len;
    h->record_bytes = record_bytes;
    h->first_ms = now_ms;
    h->next = c->heads;
    c->heads = h;
    c->bytes += len;
    c->pending++;
    if (head_complete(c, h)) {
        *completed_id = head_key(h);
        return CHUNKS_COMPLETE;
    }
    return CHUNKS_STORED;
}

static void grow_parts(struct image *im, unsigned need)
{
    unsigned cap = im->cap ? im->cap : 4;
    while (cap < need)
        cap *= 2;
    im->part = xrealloc(im->part, cap * sizeof *im->part);
    im->part_len = xrealloc(im->part_len, cap * sizeof *im->part_len);
    memset(im->part + im->cap, 0, (cap - im->cap) * sizeof *im->part);
    memset(im->part_len + im->cap, 0, (cap - im->cap) * sizeof *im->part_len);
    im->cap = cap;
}

enum chunks_result chunks_add_fragment(struct chunks *c, const char *id, unsigned index,
                                       const char *data, size_t len, size_t record_bytes,
                                       int64_t now_ms, const char **completed_id)
{
    if (recently_completed(c, id))
        return CHUNKS_REPEAT;
    if (index >= MAX_FRAGMENTS)
        return CHUNKS_INVALID;
    struct image *im = find_image(c, id);
    if (im && im->total && index >= im->total)
        return CHUNKS_INVALID;
    if (im && index < im->cap && im->part[index])
        return CHUNKS_REPEAT;
    if (c->max_bytes && c->bytes + len > c->max_bytes)
        return CHUNKS_FULL;
    if (!im)
        im = get_image(c, id, now_ms);
    if (index >= im->cap)
        grow_parts(im, index + 1);
    im->part[index] = xmalloc(len + 1);
    memcpy(im->part[index], data, len);
    im->part[index][len] = '\0';
    im->part_len[index] = len;
    im->have++;
    im->bytes += len;
    if (record_bytes > im->record_bytes)
        im->record_bytes = record_bytes;
    c->bytes += len;
    struct head *h = find_head_for(c, id);
    if (h && head_complete(c, h)) {
        *completed_id = head_key(h);
        return CHUNKS_COMPLETE;
    }
    return CHUNKS_STORED;
}

static void unlink_image(struct chunks *c, struct image *target)
{
    for (struct image **pp = &c->images; *pp; pp = &(*pp)->next) {
        if (*pp == target) {
            *pp = target->next;
            c->bytes -= target->bytes;
            return;
        }
    }
}

static void unlink_head(struct chunks *c, struct head *target)
{
    for (struct head **pp = &c->heads; *pp; pp = &(*pp)->next) {
        if (*pp == target) {
            *pp = target->next;
            c->bytes -= target->len;
            c->pending--;
            return;
        }
    }
}

/* Concatenates an image's fragments in index order and checks its CRC32C. */
static void join_image(struct image *im, uint32_t want_crc, char **out, size_t *out_len,
                       bool *crc_ok)
{
    size_t total = 0;
    for (unsigned i = 0; i < im->total; i++)
        total += im->part_len[i];
    char *buf = xmalloc(total + 1);
    size_t o = 0;
    for (unsigned i = 0; i < im->total; i++) {
        memcpy(buf + o, im->part[i], im->part_len[i]);
        o += im->part_len[i];
    }
    buf[o] = '\0';
    *out = buf;
    *out_len = o;
    *crc_ok = crc32c(0, buf, o) == want_crc;
}

bool chunks_take(struct chunks *c, const char *id, struct chunks_done *out)
{
    struct head *h = find_head_for(c, id);
    if (!h || !head_complete(c, h))
        return false;
    memset(out, 0, sizeof *out);
    out->record_bytes = h->record_bytes;
    for (int i = 0; i < 2; i++) {
        if (!h->ref_id[i][0])
            continue;
        struct image *im = find_image(c, h->ref_id[i]);
        if (!im)
            continue; /* cannot happen: head_complete() checked every image */
        join_image(im, h->crc[i], &out->image[i], &out->image_len[i], &out->crc_ok[i]);
        if (im->record_bytes > out->record_bytes)
            out->record_bytes = im->record_bytes;
        remember_completed(c, im->id);
        unlink_image(c, im);
        image_free(im);
    }
    unlink_head(c, h);
    out->head = h->data;
    out->head_len = h->len;
    h->data = NULL;
    head_free(h);
    return true;
}

void chunks_done_free(struct chunks_done *d)
{
    free(d->head);
    free(d->image[0]);
    free(d->image[1]);
    memset(d, 0, sizeof *d);
}

/* A split change expires as a whole, once, when any of its parts is older than the deadline;
 * fragments whose head has not arrived expire per image, also once. */
unsigned chunks_expire(struct chunks *c, int64_t deadline_ms)
{
    unsigned dropped = 0;
    struct head **hp = &c->heads;
    while (*hp) {
        struct head *h = *hp;
        struct image *im[2] = {NULL, NULL};
        bool old = h->first_ms < deadline_ms;
        for (int i = 0; i < 2; i++) {
            im[i] = h->ref_id[i][0] ? find_image(c, h->ref_id[i]) : NULL;
            if (im[i] && im[i]->first_ms < deadline_ms)
                old = true;
        }
        if (old) {
            for (int i = 0; i < 2; i++) {
                if (im[i] && (i == 0 || im[i] != im[0])) {
                    unlink_image(c, im[i]);
                    image_free(im[i]);
                }
            }
            *hp = h->next;
            c->bytes -= h->len;
            c->pending--;
            head_free(h);
            dropped++;
        } else {
            hp = &h->next;
        }
    }
    struct image **ip = &c->images;
    while (*ip) {
        struct image *im = *ip;
        if (im->first_ms < deadline_ms && !find_head_for(c, im->id)) {
            *ip = im->next;
            c->bytes -= im->bytes;
            image_free(im);
            dropped++;
        } else {
            ip = &im->next;
        }
    }
    return dropped;
}

unsigned chunks_pending(const struct chunks *c)
{
    unsigned n = c->pending;
    for (const struct image *im = c->images; im; im = im->next)
        if (!find_head_for(c, im->id))
            n++;
    return n;
}

size_t chunks_bytes(const struct chunks *c)
{
    return c->bytes;
}
