/*
 * Reassembly buffer for split DSQL changes. Each pending change is one object in a list kept
 * in order of first arrival (oldest first: what the cap drops and the timeout expires), and its
 * images are found by chunk id through a keyed hash index. An image keeps only the fragments
 * that arrived, sorted by index, so an index far beyond the others costs nothing extra.
 */
#include "chunks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "xalloc.h"

#define RECENT_IDS     1024u /* completed ids remembered to recognise redeliveries */
#define RECENT_BUCKETS 2048u /* power of two */
#define NO_RECENT      UINT16_MAX
#define FIRST_PARTS    4u

/* One fragment's data, NUL-terminated. */
struct part {
    unsigned index;
    size_t len;
    char data[];
};

struct change;

/* The fragments of one image, possibly received before their head. */
struct image {
    struct change *owner;
    uint64_t hash;
    unsigned total;  /* 0 until the head says */
    unsigned nparts; /* parts received, sorted by index in part[] */
    unsigned cap;
    struct part **part;
    size_t record_bytes;
    char id[];
};

/* A pending split change: its head once it has arrived and the images it names; before the head,
 * the one image whose fragments came first (in image[0]). */
struct change {
    struct change *older, *newer;
    int64_t first_ms; /* when its first part arrived */
    size_t bytes;     /* everything it holds, allocator overhead included */
    char *head;       /* NULL until the head arrives */
    size_t head_len;
    struct image *image[2]; /* with a head: [0] before, [1] after, NULL when inline */
    uint32_t crc[2];
    size_t record_bytes;
};

struct recent {
    uint64_t hash;
    uint16_t next; /* the next entry in its bucket */
    bool failed;   /* the change did not decode */
    char id[CHUNK_ID_MAX + 1];
};

struct chunks {
    struct hashidx_key key;
    struct hashidx images; /* by chunk id */
    struct change *oldest, *newest;
    unsigned pending;
    size_t held; /* bytes of the pending changes */
    size_t max_bytes;
    uint64_t evicted;
    struct recent recent[RECENT_IDS]; /* a ring; "" ids are unused */
    uint16_t bucket[RECENT_BUCKETS];
    unsigned recent_next;
};

/* ---- costs, for the byte cap ----------------------------------------------------------------- */

static size_t change_cost(void)
{
    return xalloc_cost(sizeof(struct change));
}

static size_t image_cost(size_t id_len)
{
    return xalloc_cost(sizeof(struct image) + id_len + 1);
}

static size_t part_cost(size_t len)
{
    return xalloc_cost(sizeof(struct part) + len + 1);
}

static size_t parts_array_cost(unsigned cap)
{
    return cap ? xalloc_cost(cap * sizeof(struct part *)) : 0;
}

static size_t index_cost(const struct hashidx *x)
{
    return x->cap ? xalloc_cost(hashidx_bytes(x)) : 0;
}

/* What adding n images to the index would allocate. */
static size_t index_growth(const struct hashidx *x, unsigned n)
{
    size_t grow = n ? hashidx_add_cost(x, n) : 0;
    return grow ? xalloc_cost(hashidx_bytes(x) + grow) - index_cost(x) : 0;
}

size_t chunks_bytes(const struct chunks *c)
{
    return c->held + index_cost(&c->images);
}

/* ---- lifetime -------------------------------------------------------------------------------- */

struct chunks *chunks_new(size_t max_bytes, const struct hashidx_key *key)
{
    struct chunks *c = xcalloc(1, sizeof *c);
    c->max_bytes = max_bytes;
    if (key)
        c->key = *key;
    hashidx_init(&c->images);
    for (unsigned i = 0; i < RECENT_BUCKETS; i++)
        c->bucket[i] = NO_RECENT;
    return c;
}

static void image_free(struct image *im)
{
    for (unsigned i = 0; i < im->nparts; i++)
        free(im->part[i]);
    free(im->part);
    free(im);
}

static void list_unlink(struct chunks *c, struct change *ch)
{
    if (ch->older)
        ch->older->newer = ch->newer;
    else
        c->oldest = ch->newer;
    if (ch->newer)
        ch->newer->older = ch->older;
    else
        c->newest = ch->older;
    ch->older = ch->newer = NULL;
}

static void list_push_newest(struct chunks *c, struct change *ch)
{
    ch->older = c->newest;
    ch->newer = NULL;
    if (c->newest)
        c->newest->newer = ch;
    else
        c->oldest = ch;
    c->newest = ch;
}

/* Frees a pending change with everything it holds. */
static void change_drop(struct chunks *c, struct change *ch)
{
    for (int i = 0; i < 2; i++) {
        struct image *im = ch->image[i];
        if (!im)
            continue;
        hashidx_remove(&c->images, im->hash, im);
        image_free(im);
    }
    list_unlink(c, ch);
    c->held -= ch->bytes;
    c->pending--;
    free(ch->head);
    free(ch);
}

void chunks_free(struct chunks *c)
{
    if (!c)
        return;
    while (c->oldest)
        change_drop(c, c->oldest);
    hashidx_free(&c->images);
    free(c);
}

static struct change *change_new(struct chunks *c, int64_t now_ms)
{
    struct change *ch = xcalloc(1, sizeof *ch);
    ch->first_ms = now_ms;
    ch->bytes = change_cost();
    c->held += ch->bytes;
    c->pending++;
    list_push_newest(c, ch);
    return ch;
}

/* ---- recently completed ids ------------------------------------------------------------------ */

static uint64_t id_hash(const struct chunks *c, const char *id)
{
    return hashidx_hash(&c->key, id, strlen(id));
}

static struct recent *recent_find(struct chunks *c, const char *id)
{
    uint64_t h = id_hash(c, id);
    for (uint16_t i = c->bucket[h & (RECENT_BUCKETS - 1)]; i != NO_RECENT; i = c->recent[i].next)
        if (c->recent[i].hash == h && strcmp(c->recent[i].id, id) == 0)
            return &c->recent[i];
    return NULL;
}

static void recent_unlink(struct chunks *c, uint16_t slot)
{
    uint16_t *p = &c->bucket[c->recent[slot].hash & (RECENT_BUCKETS - 1)];
    while (*p != NO_RECENT && *p != slot)
        p = &c->recent[*p].next;
    if (*p == slot)
        *p = c->recent[slot].next;
}

static void recent_add(struct chunks *c, const struct image *im)
{
    uint16_t slot = (uint16_t)c->recent_next;
    struct recent *r = &c->recent[slot];
    if (r->id[0])
        recent_unlink(c, slot);
    r->hash = im->hash;
    r->failed = false;
    snprintf(r->id, sizeof r->id, "%s", im->id);
    r->next = c->bucket[r->hash & (RECENT_BUCKETS - 1)];
    c->bucket[r->hash & (RECENT_BUCKETS - 1)] = slot;
    c->recent_next = (c->recent_next + 1) % RECENT_IDS;
}

void chunks_mark_failed(struct chunks *c, const char *id)
{
    struct recent *r = recent_find(c, id);
    if (r)
        r->failed = true;
}

/* ---- images ---------------------------------------------------------------------------------- */

static bool image_is(const void *item, const void *id)
{
    return strcmp(((const struct image *)item)->id, id) == 0;
}

static struct image *image_find(struct chunks *c, const char *id)
{
    return hashidx_find(&c->images, id_hash(c, id), image_is, id);
}

static struct image *image_new(struct chunks *c, struct change *owner, const char *id)
{
    size_t n = strlen(id);
    struct image *im = xcalloc(1, sizeof *im + n + 1);
    memcpy(im->id, id, n + 1);
    im->owner = owner;
    im->hash = id_hash(c, id);
    hashidx_add(&c->images, im->hash, im);
    owner->bytes += image_cost(n);
    c->held += image_cost(n);
    return im;
}

/* Position of index in the sorted parts: where it is, or where it would go. */
static unsigned part_pos(const struct image *im, unsigned index)
{
    unsigned lo = 0, hi = im->nparts;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (im->part[mid]->index < index)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool image_has(const struct image *im, unsigned index)
{
    unsigned pos = part_pos(im, index);
    return pos < im->nparts && im->part[pos]->index == index;
}

/* The growth of the part array that one more part needs (0 while there is room). */
static size_t parts_growth(const struct image *im)
{
    if (im && im->nparts < im->cap)
        return 0;
    unsigned cap = im && im->cap ? im->cap * 2 : FIRST_PARTS;
    return parts_array_cost(cap) - parts_array_cost(im ? im->cap : 0);
}

static void image_insert(struct chunks *c, struct image *im, unsigned index, const char *data,
                         size_t len)
{
    size_t cost = parts_growth(im) + part_cost(len);
    if (im->nparts == im->cap) {
        im->cap = im->cap ? im->cap * 2 : FIRST_PARTS;
        im->part = xrealloc(im->part, im->cap * sizeof *im->part);
    }
    struct part *p = xmalloc(sizeof *p + len + 1);
    p->index = index;
    p->len = len;
    memcpy(p->data, data, len);
    p->data[len] = '\0';
    unsigned pos = part_pos(im, index);
    memmove(&im->part[pos + 1], &im->part[pos], (im->nparts - pos) * sizeof *im->part);
    im->part[pos] = p;
    im->nparts++;
    im->owner->bytes += cost;
    c->held += cost;
}

static bool image_complete(const struct image *im)
{
    return im->total > 0 && im->nparts == im->total;
}

static bool change_complete(const struct change *ch)
{
    if (!ch->head)
        return false;
    for (int i = 0; i < 2; i++)
        if (ch->image[i] && !image_complete(ch->image[i]))
            return false;
    return true;
}

/* The id chunks_take() is called with: the first fragmented image's id. */
static const char *change_key(const struct change *ch)
{
    return ch->image[0] ? ch->image[0]->id : ch->image[1]->id;
}

/* ---- the byte cap ---------------------------------------------------------------------------- */

static bool fits(const struct chunks *c, size_t extra, unsigned new_images)
{
    return !c->max_bytes ||
           chunks_bytes(c) + extra + index_growth(&c->images, new_images) <= c->max_bytes;
}

static bool kept(const struct change *ch, struct change *const keep[2])
{
    return ch == keep[0] || ch == keep[1];
}

/* Drops the oldest pending changes (never those in keep) until extra bytes and new_images
 * more index entries fit under the cap. False when even that is not enough. */
static bool make_room(struct chunks *c, size_t extra, unsigned new_images,
                      struct change *const keep[2])
{
    while (!fits(c, extra, new_images)) {
        struct change *victim = c->oldest;
        while (victim && kept(victim, keep))
            victim = victim->newer;
        if (!victim)
            return false;
        change_drop(c, victim);
        c->evicted++;
    }
    return true;
}

/* A change that cannot fit the whole buffer: what it holds is dropped with the part that just
 * arrived (doomed holds its pending parts: at most two orphan images, each its own change). */
static enum chunks_result overflow(struct chunks *c, struct change *const doomed[2])
{
    if (doomed[0])
        change_drop(c, doomed[0]);
    if (doomed[1] && doomed[1] != doomed[0])
        change_drop(c, doomed[1]);
    return CHUNKS_FULL;
}

/* ---- heads ----------------------------------------------------------------------------------- */

static bool ref_valid(const struct chunk_ref *ref, const struct image *im)
{
    if (ref->total == 0 || ref->total > CHUNK_MAX_FRAGMENTS || !ref->id[0])
        return false;
    /* fragments that came first must lie inside the announced count */
    return !im || im->nparts == 0 || im->part[im->nparts - 1]->index < ref->total;
}

/* Moves the orphan image of `from` into `into` (a change with a head) and frees `from`. */
static void change_absorb(struct chunks *c, struct change *into, struct change *from)
{
    struct image *im = from->image[0];
    im->owner = into;
    from->image[0] = NULL;
    from->bytes -= change_cost();
    into->bytes += from->bytes;
    from->bytes = 0;
    if (from->first_ms < into->first_ms)
        into->first_ms = from->first_ms;
    list_unlink(c, from);
    c->held -= change_cost();
    c->pending--;
    free(from);
}

/* The pending change a head joins: the oldest of its orphan images' changes, or a new one. */
static struct change *head_target(struct chunks *c, struct image *const im[2], int64_t now_ms)
{
    struct change *t = NULL;
    for (int i = 0; i < 2; i++)
        if (im[i] && (!t || im[i]->owner->first_ms < t->first_ms))
            t = im[i]->owner;
    if (!t)
        return change_new(c, now_ms);
    /* The orphan's image goes back to its slot below. */
    t->image[0] = NULL;
    for (int i = 0; i < 2; i++)
        if (im[i] && im[i]->owner != t)
            change_absorb(c, t, im[i]->owner);
    return t;
}

/* Finds a head's images among the pending ones (orphans whose fragments came first) and what
 * buffering it adds. CHUNKS_STORED when it may be buffered; otherwise why not. */
static enum chunks_result head_lookup(struct chunks *c, const struct chunk_ref *const refs[2],
                                      struct image *im[2], size_t *cost, unsigned *new_images)
{
    const struct chunk_ref *first = refs[0] ? refs[0] : refs[1];
    for (int i = 0; i < 2; i++) {
        if (!refs[i])
            continue;
        im[i] = image_find(c, refs[i]->id);
        if (im[i] && im[i]->owner->head)
            return refs[i] == first ? CHUNKS_DUPLICATE : CHUNKS_INVALID;
        if (!ref_valid(refs[i], im[i]) || (refs[i] != first && recent_find(c, refs[i]->id)))
            return CHUNKS_INVALID;
        if (!im[i]) {
            *cost += image_cost(strlen(refs[i]->id));
            (*new_images)++;
        }
    }
    if (!im[0] && !im[1])
        *cost += change_cost();
    return CHUNKS_STORED;
}

/* What the head's change will hold once buffered: its orphans (merged into one change) and cost. */
static size_t head_group(struct change *const owners[2], size_t cost)
{
    size_t group = cost;
    for (int i = 0; i < 2; i++)
        if (owners[i])
            group += owners[i]->bytes;
    return owners[0] && owners[1] ? group - change_cost() : group;
}

static void head_store(struct chunks *c, struct change *t, const struct chunk_ref *const refs[2],
                       struct image *const im[2], const char *data, size_t len)
{
    for (int i = 0; i < 2; i++) {
        if (!refs[i])
            continue;
        t->image[i] = im[i] ? im[i] : image_new(c, t, refs[i]->id);
        t->image[i]->total = refs[i]->total;
        t->crc[i] = refs[i]->crc;
    }
    t->head = xmalloc(len + 1);
    memcpy(t->head, data, len);
    t->head[len] = '\0';
    t->head_len = len;
    t->bytes += xalloc_cost(len + 1);
    c->held += xalloc_cost(len + 1);
}

enum chunks_result chunks_add_head(struct chunks *c, const char *data, size_t len,
                                   const struct chunk_ref *before, const struct chunk_ref *after,
                                   size_t record_bytes, int64_t now_ms, const char **completed_id)
{
    const struct chunk_ref *const refs[2] = {before, after};
    const struct chunk_ref *first = before ? before : after;
    if (!first || (before && after && strcmp(before->id, after->id) == 0))
        return CHUNKS_INVALID;
    struct recent *seen = recent_find(c, first->id);
    if (seen)
        return seen->failed ? CHUNKS_REPEAT : CHUNKS_DUPLICATE;
    struct image *im[2] = {NULL, NULL};
    size_t cost = xalloc_cost(len + 1);
    unsigned new_images = 0;
    enum chunks_result r = head_lookup(c, refs, im, &cost, &new_images);
    if (r != CHUNKS_STORED)
        return r;
    struct change *const owners[2] = {im[0] ? im[0]->owner : NULL, im[1] ? im[1]->owner : NULL};
    if ((c->max_bytes && head_group(owners, cost) > c->max_bytes) ||
        !make_room(c, cost, new_images, owners))
        return overflow(c, owners);
    struct change *t = head_target(c, im, now_ms);
    head_store(c, t, refs, im, data, len);
    t->record_bytes = record_bytes;
    if (!change_complete(t))
        return CHUNKS_STORED;
    *completed_id = change_key(t);
    return CHUNKS_COMPLETE;
}

/* ---- fragments ------------------------------------------------------------------------------- */

enum chunks_result chunks_add_fragment(struct chunks *c, const char *id, unsigned index,
                                       const char *data, size_t len, size_t record_bytes,
                                       int64_t now_ms, const char **completed_id)
{
    if (!id[0] || index >= CHUNK_MAX_FRAGMENTS)
        return CHUNKS_INVALID;
    if (recent_find(c, id))
        return CHUNKS_REPEAT;
    struct image *im = image_find(c, id);
    if (im && im->total && index >= im->total)
        return CHUNKS_INVALID;
    if (im && image_has(im, index))
        return CHUNKS_REPEAT;
    struct change *owners[2] = {im ? im->owner : NULL, NULL};
    size_t cost = part_cost(len) + parts_growth(im);
    if (!im)
        cost += change_cost() + image_cost(strlen(id));
    size_t group = im ? im->owner->bytes : 0;
    if ((c->max_bytes && group + cost > c->max_bytes) || !make_room(c, cost, im ? 0 : 1, owners))
        return overflow(c, owners);
    if (!im) {
        struct change *ch = change_new(c, now_ms);
        im = ch->image[0] = image_new(c, ch, id);
    }
    image_insert(c, im, index, data, len);
    if (record_bytes > im->record_bytes)
        im->record_bytes = record_bytes;
    if (!change_complete(im->owner))
        return CHUNKS_STORED;
    *completed_id = change_key(im->owner);
    return CHUNKS_COMPLETE;
}

/* ---- completion and expiry ------------------------------------------------------------------- */

/* Concatenates an image's fragments in index order and checks its CRC32C. */
static void join_image(const struct image *im, uint32_t want_crc, char **out, size_t *out_len,
                       bool *crc_ok)
{
    size_t total = 0;
    for (unsigned i = 0; i < im->nparts; i++)
        total += im->part[i]->len;
    char *buf = xmalloc(total + 1);
    size_t o = 0;
    for (unsigned i = 0; i < im->nparts; i++) {
        memcpy(buf + o, im->part[i]->data, im->part[i]->len);
        o += im->part[i]->len;
    }
    buf[o] = '\0';
    *out = buf;
    *out_len = o;
    *crc_ok = crc32c(0, buf, o) == want_crc;
}

bool chunks_take(struct chunks *c, const char *id, struct chunks_done *out)
{
    struct image *found = image_find(c, id);
    struct change *ch = found ? found->owner : NULL;
    if (!ch || !change_complete(ch))
        return false;
    memset(out, 0, sizeof *out);
    out->record_bytes = ch->record_bytes;
    for (int i = 0; i < 2; i++) {
        const struct image *im = ch->image[i];
        if (!im)
            continue;
        join_image(im, ch->crc[i], &out->image[i], &out->image_len[i], &out->crc_ok[i]);
        if (im->record_bytes > out->record_bytes)
            out->record_bytes = im->record_bytes;
        recent_add(c, im);
    }
    out->head = ch->head;
    out->head_len = ch->head_len;
    ch->head = NULL;
    change_drop(c, ch);
    return true;
}

void chunks_done_free(struct chunks_done *d)
{
    free(d->head);
    free(d->image[0]);
    free(d->image[1]);
    memset(d, 0, sizeof *d);
}

/* A split change expires as a whole, once, when its first part is older than the deadline;
 * fragments whose head has not arrived expire per image, also once. */
unsigned chunks_expire(struct chunks *c, int64_t deadline_ms)
{
    unsigned dropped = 0;
    struct change *ch = c->oldest;
    while (ch) {
        struct change *next = ch->newer;
        if (ch->first_ms < deadline_ms) {
            change_drop(c, ch);
            dropped++;
        }
        ch = next;
    }
    return dropped;
}

unsigned chunks_pending(const struct chunks *c)
{
    return c->pending;
}

uint64_t chunks_evicted(const struct chunks *c)
{
    return c->evicted;
}
