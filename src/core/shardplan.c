/* Shard lineage, start positions and the exactly-once filter of a stream reader (shardplan.h). */
#include "config.h"

#include "shardplan.h"

#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "xalloc.h"

struct sp_shard {
    char *id;
    char *parent[2]; /* "" when none */
    enum shardplan_phase phase;
    enum shardplan_start start;
    bool initial;       /* in the first listing */
    bool listed;        /* a complete listing showed it */
    bool listed_closed; /* a listing showed an EndingSequenceNumber */
    bool drained;       /* read to its end */
    char last_seq[SHARDPLAN_SEQ_MAX + 1];
};

struct shardplan {
    struct shardplan_from from;
    struct sp_shard *shard;
    unsigned n, cap;
    /* shard indexes by id: open addressing, at most half full (streams keep thousands of closed
     * shards within their retention, and every listing and every close looks shards up) */
    unsigned *index; /* index + 1; 0 is empty */
    unsigned index_cap;
};

bool shardplan_parse_from(const char *text, int64_t now_ms, struct shardplan_from *out)
{
    out->at_ms = 0;
    if (!text || !*text || strcmp(text, "latest") == 0 || strcmp(text, "LATEST") == 0) {
        out->kind = SP_START_LATEST;
        return true;
    }
    if (strcmp(text, "trim-horizon") == 0 || strcmp(text, "TRIM_HORIZON") == 0) {
        out->kind = SP_START_TRIM_HORIZON;
        return true;
    }
    out->kind = SP_START_AT_TIMESTAMP;
    return fmt_parse_moment(text, now_ms, &out->at_ms);
}

struct shardplan *shardplan_new(const struct shardplan_from *from)
{
    struct shardplan *p = xcalloc(1, sizeof *p);
    if (from)
        p->from = *from;
    return p;
}

void shardplan_free(struct shardplan *p)
{
    if (!p)
        return;
    for (unsigned i = 0; i < p->n; i++) {
        free(p->shard[i].id);
        free(p->shard[i].parent[0]);
        free(p->shard[i].parent[1]);
    }
    free(p->shard);
    free(p->index);
    free(p);
}

static uint32_t sp_hash(const char *id)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *id; id++)
        h = (h ^ (unsigned char)*id) * 16777619u;
    return h;
}

/* The slot holding id, or the empty slot where it would go. */
static unsigned sp_slot(const struct shardplan *p, const char *id)
{
    unsigned i = sp_hash(id) & (p->index_cap - 1);
    while (p->index[i] && strcmp(p->shard[p->index[i] - 1].id, id) != 0)
        i = (i + 1) & (p->index_cap - 1);
    return i;
}

static void sp_index_grow(struct shardplan *p)
{
    free(p->index);
    p->index_cap = p->index_cap ? p->index_cap * 2 : 64;
    p->index = xcalloc(p->index_cap, sizeof *p->index);
    for (unsigned i = 0; i < p->n; i++)
        p->index[sp_slot(p, p->shard[i].id)] = i + 1;
}

long shardplan_find(const struct shardplan *p, const char *id)
{
    if (!id || !*id || !p->index_cap)
        return -1;
    unsigned slot = p->index[sp_slot(p, id)];
    return slot ? (long)slot - 1 : -1;
}

unsigned shardplan_add(struct shardplan *p, const char *id, bool initial, bool *added)
{
    long found = shardplan_find(p, id);
    if (added)
        *added = found < 0;
    if (found >= 0)
        return (unsigned)found;
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->shard = xrealloc(p->shard, p->cap * sizeof *p->shard);
    }
    struct sp_shard *s = &p->shard[p->n];
    memset(s, 0, sizeof *s);
    s->id = xstrdup(id ? id : "");
    s->parent[0] = xstrdup("");
    s->parent[1] = xstrdup("");
    s->phase = SP_WAIT;
    s->initial = initial;
    p->n++;
    if (p->n * 2 > p->index_cap)
        sp_index_grow(p);
    else
        p->index[sp_slot(p, s->id)] = p->n;
    return p->n - 1;
}

unsigned shardplan_count(const struct shardplan *p)
{
    return p->n;
}

const char *shardplan_id(const struct shardplan *p, unsigned i)
{
    return p->shard[i].id;
}

void shardplan_set_parents(struct shardplan *p, unsigned i, const char *parent,
                           const char *adjacent)
{
    struct sp_shard *s = &p->shard[i];
    const char *given[2] = {parent, adjacent};
    if (s->parent[0][0] || s->parent[1][0])
        return; /* a shard's parents never change */
    for (int k = 0; k < 2; k++) {
        if (given[k] && *given[k]) {
            free(s->parent[k]);
            s->parent[k] = xstrdup(given[k]);
        }
    }
}

const char *shardplan_parent(const struct shardplan *p, unsigned i, int which)
{
    return p->shard[i].parent[which ? 1 : 0];
}

void shardplan_set_listed(struct shardplan *p, unsigned i, bool closed)
{
    p->shard[i].listed = true;
    if (closed)
        p->shard[i].listed_closed = true;
}

bool shardplan_listed_closed(const struct shardplan *p, unsigned i)
{
    return p->shard[i].listed_closed;
}

enum shardplan_phase shardplan_phase(const struct shardplan *p, unsigned i)
{
    return p->shard[i].phase;
}

enum shardplan_start shardplan_start_of(const struct shardplan *p, unsigned i)
{
    return p->shard[i].start;
}

bool shardplan_drained(const struct shardplan *p, unsigned i)
{
    return p->shard[i].drained;
}

/* Whether the child must still wait for this parent of it. */
static bool sp_parent_open(const struct shardplan *p, const struct sp_shard *child, const char *id)
{
    if (!*id)
        return false;
    long i = shardplan_find(p, id);
    if (i < 0) /* expired if a listing showed the child without it; else maybe not listed yet */
        return !child->listed;
    return p->shard[i].phase != SP_DONE;
}

static bool sp_parent_drained(const struct shardplan *p, const char *id)
{
    long i = shardplan_find(p, id);
    return i >= 0 && p->shard[i].drained;
}

/* With --from latest, a shard that appeared during the run, or whose parent this run read to
 * its end, holds only records newer than the start: it is read from its beginning. */
static enum shardplan_start sp_start_kind(const struct shardplan *p, const struct sp_shard *s)
{
    if (p->from.kind != SP_START_LATEST)
        return p->from.kind;
    if (!s->initial || sp_parent_drained(p, s->parent[0]) || sp_parent_drained(p, s->parent[1]))
        return SP_START_TRIM_HORIZON;
    return SP_START_LATEST;
}

enum shardplan_step shardplan_next(struct shardplan *p, unsigned *i, enum shardplan_start *start)
{
    for (unsigned k = 0; k < p->n; k++) {
        struct sp_shard *s = &p->shard[k];
        if (s->phase != SP_WAIT || sp_parent_open(p, s, s->parent[0]) ||
            sp_parent_open(p, s, s->parent[1]))
            continue;
        s->start = sp_start_kind(p, s);
        *i = k;
        *start = s->start;
        if (s->start == SP_START_LATEST && s->listed_closed) {
            /* closed before the start: nothing after LATEST will ever be written to it */
            s->phase = SP_DONE;
            return SP_SKIP_CLOSED;
        }
        s->phase = SP_ACTIVE;
        return SP_START;
    }
    return SP_NOTHING;
}

void shardplan_closed(struct shardplan *p, unsigned i, bool drained)
{
    p->shard[i].phase = SP_DONE;
    p->shard[i].drained = drained;
}

int shardplan_seq_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    while (alen > 1 && *a == '0') {
        a++;
        alen--;
    }
    while (blen > 1 && *b == '0') {
        b++;
        blen--;
    }
    if (alen != blen)
        return alen < blen ? -1 : 1;
    int c = memcmp(a, b, alen);
    return c < 0 ? -1 : c > 0;
}

static bool sp_decimal(const char *s, size_t n)
{
    if (n == 0 || n > SHARDPLAN_SEQ_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

enum shardplan_seq shardplan_accept(struct shardplan *p, unsigned i, const char *seq,
                                    size_t seq_len)
{
    struct sp_shard *s = &p->shard[i];
    if (!seq || !sp_decimal(seq, seq_len))
        return SP_SEQ_INVALID;
    if (s->last_seq[0] && shardplan_seq_cmp(seq, seq_len, s->last_seq, strlen(s->last_seq)) <= 0)
        return SP_SEQ_SEEN;
    memcpy(s->last_seq, seq, seq_len);
    s->last_seq[seq_len] = '\0';
    return SP_SEQ_NEW;
}

const char *shardplan_last_seq(const struct shardplan *p, unsigned i)
{
    return p->shard[i].last_seq;
}
