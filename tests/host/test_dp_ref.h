/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Test-side helpers of the datapath and job-program tests: a seeded PRNG,
 * the obviously-correct (slow, dense, float-free) reference of every op,
 * a small greedy packer writing packed layers at the byte offsets that
 * docs/formats.md documents (its own little-endian writer, not the
 * engine's codec), a program builder and an operand accessor over plain
 * memory slots.
 */
#ifndef TEST_DP_REF_H
#define TEST_DP_REF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csa_format.h"
#include "csa_hw.h"
#include "csa_prog.h"

/* ---- PRNG (xorshift64*), fixed seeds ---- */

static uint64_t rng_state = 1;

static inline void rng_seed(uint64_t s)
{
	rng_state = s * 0x9e3779b97f4a7c15ull + 1;
}

static inline uint32_t rng32(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static inline uint32_t rng_below(uint32_t n)
{
	return n ? rng32() % n : 0;
}

/* in [lo, hi] */
static inline int32_t rng_range(int32_t lo, int32_t hi)
{
	return lo + (int32_t)rng_below((uint32_t)(hi - lo + 1));
}

static inline int8_t rng_i8_nz(void)
{
	int32_t v;

	do
		v = rng_range(-128, 127);
	while (!v);
	return (int8_t)v;
}

/* true with probability pct / 100 */
static inline bool rng_pct(uint32_t pct)
{
	return rng_below(100) < pct;
}

static inline void wle(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint64_t rle(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* ---- reference arithmetic ---- */

static inline int32_t ref_sat32(int64_t v)
{
	return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

/* floor((p + 2^(shift-1)) / 2^shift) by true floor division */
static inline int8_t ref_requant(int32_t acc, int32_t bias, int32_t mult,
				 unsigned int shift)
{
	int64_t p = (int64_t)ref_sat32((int64_t)acc + bias) * mult;
	int64_t r = p;

	if (shift) {
		int64_t d = (int64_t)1 << shift;
		int64_t n = p + d / 2;

		r = n / d;
		if (n % d && n < 0)
			r--;
	}
	return (int8_t)(r > 127 ? 127 : r < -128 ? -128 : r);
}

/* ---- a layer as the test knows it ---- */

struct ref_layer {
	uint32_t units, cols, k, groups;
	int8_t *w;		/* units x cols, dense */
	int32_t *bias, *mult;
	uint8_t *shift;
	uint16_t *boost;	/* units, or NULL */
	int32_t *tagmap;	/* groups * k: unit or -1 */
	uint8_t *blob;		/* packed layer */
	uint32_t blob_size;
	uint32_t weights_off, tagmap_off, requant_off, boost_off;
};

/*
 * Weights: "complementary" - every group of k consecutive units (in a
 * shuffled order) splits the columns among its members, each column to one
 * member with probability fill%, else to none; "random" - each weight
 * non-zero with probability fill% independently (greedy packing then needs
 * more groups).
 */
enum ref_weights { REF_COMPLEMENTARY, REF_RANDOM };

static inline void ref_layer_free(struct ref_layer *l)
{
	free(l->w);
	free(l->bias);
	free(l->mult);
	free(l->shift);
	free(l->boost);
	free(l->tagmap);
	free(l->blob);
	memset(l, 0, sizeof(*l));
}

/* Requantisation that keeps most outputs inside int8, some saturated. */
static inline void ref_rq_random(struct ref_layer *l, uint32_t fanin_nz)
{
	uint32_t root = 1;

	while (root * root < fanin_nz)
		root++;
	for (uint32_t u = 0; u < l->units; u++) {
		/* |acc| is around 5000 * sqrt(fan-in): scale that to ~50 */
		int64_t m;

		l->bias[u] = rng_range(-2000, 2000);
		l->shift[u] = (uint8_t)rng_range(16, 24);
		m = ((int64_t)1 << l->shift[u]) / (100 * (int64_t)root);
		l->mult[u] = rng_range(1, (int32_t)(m > 1 ? m : 1));
		if (rng_pct(20))
			l->mult[u] = -l->mult[u];
	}
}

/*
 * Build weights and pack them greedily into groups of at most k units with
 * disjoint masks (units visited in a random order).  The blob is written
 * with this file's own little-endian writer at the documented offsets.
 */
static inline void ref_layer_make(struct ref_layer *l, uint32_t units,
				  uint32_t cols, uint32_t k,
				  enum ref_weights kind, uint32_t fill,
				  bool with_boost)
{
	uint32_t *order = malloc(sizeof(*order) * units);
	int32_t *gmembers;	/* groups x k units */
	uint32_t *gsize, nz = 0;
	uint8_t *gmask;		/* groups x cols: column taken */
	uint32_t ng = 0;

	memset(l, 0, sizeof(*l));
	l->units = units;
	l->cols = cols;
	l->k = k;
	l->w = calloc((size_t)units * cols, 1);
	l->bias = calloc(units, 4);
	l->mult = calloc(units, 4);
	l->shift = calloc(units, 1);
	for (uint32_t u = 0; u < units; u++)
		order[u] = u;
	for (uint32_t u = units; u > 1; u--) {
		uint32_t j = rng_below(u), t = order[u - 1];

		order[u - 1] = order[j];
		order[j] = t;
	}
	if (kind == REF_COMPLEMENTARY) {
		for (uint32_t g0 = 0; g0 < units; g0 += k) {
			uint32_t n = units - g0 < k ? units - g0 : k;

			for (uint32_t c = 0; c < cols; c++) {
				uint32_t u = order[g0 + rng_below(n)];

				if (rng_pct(fill))
					l->w[(size_t)u * cols + c] = rng_i8_nz();
			}
		}
	} else {
		for (size_t i = 0; i < (size_t)units * cols; i++)
			if (rng_pct(fill))
				l->w[i] = rng_i8_nz();
	}
	for (size_t i = 0; i < (size_t)units * cols; i++)
		nz += l->w[i] != 0;

	/* greedy packing */
	gmembers = malloc(sizeof(*gmembers) * units * k);
	gsize = calloc(units, sizeof(*gsize));
	gmask = calloc((size_t)units * cols, 1);
	for (uint32_t i = 0; i < units; i++) {
		uint32_t u = order[i], g;

		for (g = 0; g < ng; g++) {
			bool ok = gsize[g] < k;

			for (uint32_t c = 0; ok && c < cols; c++)
				ok = !(l->w[(size_t)u * cols + c] &&
				       gmask[(size_t)g * cols + c]);
			if (ok)
				break;
		}
		if (g == ng)
			ng++;
		gmembers[g * k + gsize[g]++] = (int32_t)u;
		for (uint32_t c = 0; c < cols; c++)
			if (l->w[(size_t)u * cols + c])
				gmask[(size_t)g * cols + c] = 1;
	}
	l->groups = ng;
	l->tagmap = malloc(sizeof(*l->tagmap) * ng * k);
	for (uint32_t g = 0; g < ng; g++)
		for (uint32_t t = 0; t < k; t++)
			l->tagmap[g * k + t] = t < gsize[g] ? gmembers[g * k + t] : -1;

	ref_rq_random(l, units ? nz / units : 0);
	if (with_boost) {
		l->boost = malloc(2 * units);
		for (uint32_t u = 0; u < units; u++)
			l->boost[u] = (uint16_t)rng_range(64, 1024);
	}

	/* blob: header, weights, tag map, requant, boost; 4-byte aligned */
	l->weights_off = CSA_LAYER_HDR_SIZE;
	l->tagmap_off = l->weights_off + cols * ng * 2;
	l->requant_off = (l->tagmap_off + ng * k * 2 + 3) & ~3u;
	l->boost_off = with_boost ? l->requant_off + units * 12 : 0;
	l->blob_size = l->requant_off + units * 12 + (with_boost ? 2 * units : 0);
	l->blob = calloc(l->blob_size, 1);
	wle(l->blob + 0, CSA_LAYER_MAGIC, 4);
	wle(l->blob + 4, CSA_FORMAT_VERSION, 2);
	wle(l->blob + 6, CSA_LAYER_HDR_SIZE, 2);
	wle(l->blob + 12, units, 4);
	wle(l->blob + 16, cols, 4);
	wle(l->blob + 20, k, 2);
	wle(l->blob + 22, ng, 2);
	wle(l->blob + 24, l->weights_off, 4);
	wle(l->blob + 28, l->tagmap_off, 4);
	wle(l->blob + 32, l->requant_off, 4);
	wle(l->blob + 36, l->boost_off, 4);
	wle(l->blob + 40, l->blob_size, 4);
	for (uint32_t c = 0; c < cols; c++) {
		for (uint32_t g = 0; g < ng; g++) {
			uint8_t *e = l->blob + l->weights_off + ((size_t)c * ng + g) * 2;
			uint32_t t;

			for (t = 0; t < gsize[g]; t++)
				if (l->w[(size_t)gmembers[g * k + t] * cols + c])
					break;
			if (t < gsize[g]) {
				e[0] = (uint8_t)l->w[(size_t)gmembers[g * k + t] * cols + c];
				e[1] = (uint8_t)t;
			} else {
				/* nothing here: value 0, any valid tag */
				e[0] = 0;
				e[1] = (uint8_t)rng_below(k);
			}
		}
	}
	for (uint32_t a = 0; a < ng * k; a++)
		wle(l->blob + l->tagmap_off + 2 * a,
		    l->tagmap[a] < 0 ? CSA_TAGMAP_NONE : (uint32_t)l->tagmap[a], 2);
	for (uint32_t u = 0; u < units; u++) {
		uint8_t *q = l->blob + l->requant_off + 12 * u;

		wle(q, (uint32_t)l->bias[u], 4);
		wle(q + 4, (uint32_t)l->mult[u], 4);
		q[8] = l->shift[u];
	}
	for (uint32_t u = 0; with_boost && u < units; u++)
		wle(l->blob + l->boost_off + 2 * u, l->boost[u], 2);
	free(order);
	free(gmembers);
	free(gsize);
	free(gmask);
}

/*
 * The engine's in-memory view of the blob (csa_dp_layer), decoded by the
 * test.  Arrays are malloc'd into *tm and *rq.
 */
static inline void ref_dp_layer(const struct ref_layer *l,
				struct csa_dp_layer *d, uint16_t **tm,
				struct csa_dp_rq **rq)
{
	*tm = malloc(2 * l->groups * l->k);
	*rq = malloc(sizeof(**rq) * l->units);
	for (uint32_t a = 0; a < l->groups * l->k; a++)
		(*tm)[a] = l->tagmap[a] < 0 ? CSA_TAGMAP_NONE : (uint16_t)l->tagmap[a];
	for (uint32_t u = 0; u < l->units; u++)
		(*rq)[u] = (struct csa_dp_rq){ l->bias[u], l->mult[u], l->shift[u] };
	*d = (struct csa_dp_layer){
		.units = l->units, .cols = l->cols, .k = l->k,
		.groups = l->groups, .w = l->blob + l->weights_off,
		.tagmap = *tm, .rq = *rq,
	};
}

/* ---- reference ops on dense tensors ---- */

/* y[u] = requant(sum_i w[u][i] x[i]); y32: sat32(acc + bias) */
static inline void ref_linear(const struct ref_layer *l, const int8_t *x,
			      int8_t *y, int32_t *y32)
{
	for (uint32_t u = 0; u < l->units; u++) {
		int32_t acc = 0;

		for (uint32_t i = 0; i < l->cols; i++)
			acc += (int32_t)l->w[(size_t)u * l->cols + i] * x[i];
		if (y32)
			y32[u] = ref_sat32((int64_t)acc + l->bias[u]);
		else
			y[u] = ref_requant(acc, l->bias[u], l->mult[u], l->shift[u]);
	}
}

struct ref_conv {
	uint32_t c, h, w, kh, kw, sh, sw, ph, pw, oh, ow;
};

static inline void ref_conv2d(const struct ref_layer *l,
			      const struct ref_conv *g, const int8_t *x,
			      int8_t *y, int32_t *y32)
{
	for (uint32_t u = 0; u < l->units; u++) {
		for (uint32_t oy = 0; oy < g->oh; oy++) {
			for (uint32_t ox = 0; ox < g->ow; ox++) {
				int32_t acc = 0;
				size_t o = ((size_t)u * g->oh + oy) * g->ow + ox;

				for (uint32_t c = 0; c < g->c; c++)
					for (uint32_t ky = 0; ky < g->kh; ky++)
						for (uint32_t kx = 0; kx < g->kw; kx++) {
							int64_t iy = (int64_t)oy * g->sh + ky - g->ph;
							int64_t ix = (int64_t)ox * g->sw + kx - g->pw;
							uint32_t col = (c * g->kh + ky) * g->kw + kx;

							if (iy < 0 || ix < 0 || iy >= g->h || ix >= g->w)
								continue;
							acc += (int32_t)l->w[(size_t)u * l->cols + col] *
							       x[((size_t)c * g->h + iy) * g->w + ix];
						}
				if (y32)
					y32[o] = ref_sat32((int64_t)acc + l->bias[u]);
				else
					y[o] = ref_requant(acc, l->bias[u], l->mult[u],
							   l->shift[u]);
			}
		}
	}
}

/*
 * k-WTA by counting: element i wins iff fewer than k elements beat it
 * (higher score, or equal score and lower index).  Local: among the
 * channels of one position.  mark (may be NULL) gets 1 for the winners.
 */
static inline void ref_kwta(const int8_t *x, uint32_t c, uint32_t plane,
			    const uint16_t *boost, uint32_t k, bool local,
			    int8_t *y, uint8_t *mark)
{
	uint32_t n = c * plane;

	for (uint32_t i = 0; i < n; i++) {
		int64_t si = (int64_t)x[i] * (boost ? boost[i / plane] : 1);
		uint32_t beat = 0;

		for (uint32_t j = 0; j < n; j++) {
			int64_t sj = (int64_t)x[j] * (boost ? boost[j / plane] : 1);

			if (local && j % plane != i % plane)
				continue;
			if (sj > si || (sj == si && j < i))
				beat++;
		}
		y[i] = beat < k ? x[i] : 0;
		if (mark)
			mark[i] = beat < k;
	}
}

/* The sparse activation bytes of the marked elements (capacity cap). */
static inline size_t ref_sparse_marked(const int8_t *x, const uint8_t *mark,
				       uint32_t n, uint32_t cap, uint8_t *out)
{
	uint32_t cnt = 0;

	memset(out, 0xa5, 16 + 5 * (size_t)cap);
	for (uint32_t i = 0; i < n; i++) {
		if (!mark[i])
			continue;
		wle(out + 16 + 4 * cnt, i, 4);
		out[16 + 4 * cap + cnt] = (uint8_t)x[i];
		cnt++;
	}
	wle(out, CSA_SPARSE_MAGIC, 4);
	wle(out + 4, cnt, 4);
	wle(out + 8, cap, 4);
	wle(out + 12, n, 4);
	return 16 + 5 * (size_t)cap;
}

static inline void ref_maxpool(const int8_t *x, uint32_t c, uint32_t h,
			       uint32_t w, uint32_t kh, uint32_t kw,
			       uint32_t sh, uint32_t sw, uint32_t oh,
			       uint32_t ow, int8_t *y)
{
	for (uint32_t ch = 0; ch < c; ch++)
		for (uint32_t oy = 0; oy < oh; oy++)
			for (uint32_t ox = 0; ox < ow; ox++) {
				int32_t m = -129;

				for (uint32_t i = 0; i < kh; i++)
					for (uint32_t j = 0; j < kw; j++) {
						int32_t v = x[((size_t)ch * h + oy * sh + i) * w +
							      ox * sw + j];
						if (v > m)
							m = v;
					}
				y[((size_t)ch * oh + oy) * ow + ox] = (int8_t)m;
			}
}

/* A dense int8 tensor with pct % non-zero elements. */
static inline void ref_fill(int8_t *x, size_t n, uint32_t pct)
{
	for (size_t i = 0; i < n; i++)
		x[i] = rng_pct(pct) ? rng_i8_nz() : 0;
}

/* The non-zero elements of x as (index, value) pairs; returns their count. */
static inline uint32_t ref_nonzeros(const int8_t *x, uint32_t n, uint32_t *idx,
				    int8_t *val)
{
	uint32_t cnt = 0;

	for (uint32_t i = 0; i < n; i++) {
		if (!x[i])
			continue;
		idx[cnt] = i;
		val[cnt++] = x[i];
	}
	return cnt;
}

/* Dense -> sparse activation bytes (capacity cap >= non-zeros). */
static inline size_t ref_to_sparse(const int8_t *x, uint32_t n, uint32_t cap,
				   uint8_t *out)
{
	uint8_t *mark = malloc(n ? n : 1);
	size_t len;

	for (uint32_t i = 0; i < n; i++)
		mark[i] = x[i] != 0;
	len = ref_sparse_marked(x, mark, n, cap, out);
	free(mark);
	return len;
}

/* ---- program builder: ops written at the documented offsets ---- */

struct ref_op {
	uint16_t opcode, flags;
	uint64_t src, dst, param;
	uint32_t in_c, in_h, in_w, out_c, out_h, out_w;
	uint8_t kh, kw, sh, sw, ph, pw;
	uint32_t k;
};

static inline void ref_op_write(uint8_t *p, const struct ref_op *o)
{
	memset(p, 0, CSA_PROG_OP_SIZE);
	wle(p + 0, o->opcode, 2);
	wle(p + 2, o->flags, 2);
	wle(p + 8, o->src, 8);
	wle(p + 16, o->dst, 8);
	wle(p + 24, o->param, 8);
	wle(p + 32, o->in_c, 4);
	wle(p + 36, o->in_h, 4);
	wle(p + 40, o->in_w, 4);
	wle(p + 44, o->out_c, 4);
	wle(p + 48, o->out_h, 4);
	wle(p + 52, o->out_w, 4);
	p[56] = o->kh;
	p[57] = o->kw;
	p[58] = o->sh;
	p[59] = o->sw;
	p[60] = o->ph;
	p[61] = o->pw;
	wle(p + 64, o->k, 4);
}

/* Header + ops into buf (CSA_PROG_SIZE(n) bytes); returns the size. */
static inline size_t ref_prog_write(uint8_t *buf, const struct ref_op *ops,
				    uint32_t n)
{
	memset(buf, 0, CSA_PROG_HDR_SIZE);
	wle(buf + 0, CSA_PROG_MAGIC, 4);
	wle(buf + 4, CSA_FORMAT_VERSION, 2);
	wle(buf + 6, CSA_PROG_HDR_SIZE, 2);
	wle(buf + 8, n, 4);
	wle(buf + 12, CSA_PROG_OP_SIZE, 2);
	for (uint32_t i = 0; i < n; i++)
		ref_op_write(buf + CSA_PROG_HDR_SIZE + i * CSA_PROG_OP_SIZE, &ops[i]);
	return CSA_PROG_SIZE(n);
}

/* ---- operand accessor over plain memory slots ---- */

#define TMEM_SLOTS	16

struct tmem {
	struct {
		uint8_t *buf;
		uint64_t size;
		uint32_t access;
	} s[TMEM_SLOTS];
	uint32_t nslots;
	uint32_t fail_slot;	/* transfers on this slot fail (DMA), or ~0 */
	uint64_t reads, writes;
};

static inline uint32_t tmem_check(void *ctx, uint32_t slot, uint64_t off,
				  uint64_t len, bool write)
{
	struct tmem *m = ctx;
	uint32_t need = write ? CSA_ACCESS_WRITE : CSA_ACCESS_READ;

	if (slot >= m->nslots)
		return CSA_PROG_ERR_BAD_SLOT;
	if (off > m->s[slot].size || len > m->s[slot].size - off)
		return CSA_PROG_ERR_BOUNDS;
	if ((m->s[slot].access & need) != need)
		return CSA_PROG_ERR_ACCESS;
	return 0;
}

static inline uint32_t tmem_xfer(struct tmem *m, uint32_t slot, uint64_t off,
				  void *buf, size_t len, bool write)
{
	uint32_t e = tmem_check(m, slot, off, len, write);

	if (!e && slot == m->fail_slot)
		e = CSA_PROG_ERR_DMA;
	if (e)
		return e;
	if (write) {
		memcpy(m->s[slot].buf + off, buf, len);
		m->writes++;
	} else {
		memcpy(buf, m->s[slot].buf + off, len);
		m->reads++;
	}
	return 0;
}

static inline uint32_t tmem_read(void *ctx, uint32_t slot, uint64_t off,
				 void *buf, size_t len)
{
	return tmem_xfer(ctx, slot, off, buf, len, false);
}

static inline uint32_t tmem_write(void *ctx, uint32_t slot, uint64_t off,
				  const void *buf, size_t len)
{
	return tmem_xfer(ctx, slot, off, (void *)(uintptr_t)buf, len, true);
}

static const struct csa_prog_io tmem_io = {
	.check = tmem_check,
	.read = tmem_read,
	.write = tmem_write,
};

/* A new slot of size bytes filled with the guard byte 0xa5. */
static inline uint32_t tmem_slot(struct tmem *m, uint64_t size,
				 uint32_t access)
{
	uint32_t i = m->nslots++;

	m->s[i].buf = malloc(size ? size : 1);
	memset(m->s[i].buf, 0xa5, size);
	m->s[i].size = size;
	m->s[i].access = access;
	return i;
}

static inline void tmem_free(struct tmem *m)
{
	for (uint32_t i = 0; i < m->nslots; i++)
		free(m->s[i].buf);
	memset(m, 0, sizeof(*m));
	m->fail_slot = ~0u;
}

#define TEST_SCRATCH	(8u << 20)

/* An engine over m with the default card limits. */
static inline struct csa_prog_env tmem_env(struct tmem *m, uint8_t *scratch)
{
	return (struct csa_prog_env){
		.io = &tmem_io, .ctx = m, .lanes = 64, .max_k = 20,
		.max_dim = 65535, .max_tensor = 16777216,
		.scratch = scratch, .scratch_size = TEST_SCRATCH,
	};
}

/* First index where two buffers differ, or -1. */
static inline long first_diff(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return (long)i;
	return -1;
}

#endif /* TEST_DP_REF_H */
