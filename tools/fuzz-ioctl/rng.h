/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The fuzzer's PRNG: splitmix64, one stream per thread / child / seed, so
 * every worker makes the same choices for the same seed.
 */
#ifndef FZ_RNG_H
#define FZ_RNG_H

#include <stdbool.h>
#include <stdint.h>

struct fz_rng {
	uint64_t s;
};

static inline uint64_t fz_rand(struct fz_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Stream @stream of seed @seed (streams: threads, children, corpus). */
static inline void fz_rng_init(struct fz_rng *r, uint64_t seed, uint64_t stream)
{
	r->s = seed * 0xd1342543de82ef95ull + stream * 0x2545f4914f6cdd1dull + 1;
	(void)fz_rand(r);
}

/* In [0, n); 0 when n is 0. */
static inline uint32_t fz_below(struct fz_rng *r, uint32_t n)
{
	return n ? (uint32_t)(fz_rand(r) % n) : 0;
}

/* True with probability @pct percent. */
static inline bool fz_pct(struct fz_rng *r, uint32_t pct)
{
	return fz_below(r, 100) < pct;
}

/* True once in @n draws on average. */
static inline bool fz_one_in(struct fz_rng *r, uint32_t n)
{
	return fz_below(r, n) == 0;
}

/* A value interesting for a field of @bits bits: edges, small, random. */
static inline uint64_t fz_interesting(struct fz_rng *r, unsigned int bits)
{
	uint64_t mask = bits >= 64 ? ~0ull : (1ull << bits) - 1;

	switch (fz_below(r, 8)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return mask;
	case 3: return mask >> 1;
	case 4: return (mask >> 1) + 1;
	case 5: return fz_below(r, 16);
	case 6: return (1ull << fz_below(r, bits)) & mask;
	default: return fz_rand(r) & mask;
	}
}

#endif /* FZ_RNG_H */
