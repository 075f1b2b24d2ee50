// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The layer cache of job programs (csa_prog.h, docs/hardware.md "Layer
 * cache"): the five-op network of test_dp_net.h over the plain-memory
 * accessor, its two layer slots tagged.  A hit reads and decodes nothing
 * (fewer bytes and cycles, same outputs); untagged and writable slots are
 * never cached; different tags at the same offset never share an entry;
 * least recently used entries go first; a flush forgets everything; the
 * op-dependent checks still run on a hit.
 */
#include "kselftest_harness.h"

#include "test_dp_net.h"

static uint8_t scratch[TEST_SCRATCH] __attribute__((aligned(8)));

/* A network whose conv and linear slots carry the given tags. */
struct tnet {
	struct net n;
	struct csa_prog_mem_slot slots[S_NUM];
	struct csa_prog_mem mem;
};

static void tnet_build(struct tnet *t, uint64_t seed, uint64_t tag_conv,
		       uint64_t tag_lin)
{
	net_build(&t->n, seed);
	for (uint32_t s = 0; s < S_NUM; s++)
		t->slots[s] = (struct csa_prog_mem_slot){
			.base = t->n.m.s[s].buf, .size = t->n.m.s[s].size,
			.access = t->n.m.s[s].access,
		};
	t->slots[S_CONV].tag = tag_conv;
	t->slots[S_LIN].tag = tag_lin;
	t->mem = (struct csa_prog_mem){ t->slots, S_NUM };
}

/* Run it with cache c (NULL: none); true if every slot is as expected. */
static bool tnet_run(struct tnet *t, struct csa_layer_cache *c,
		     struct csa_prog_result *r)
{
	struct csa_prog_env env = tmem_env(&t->n.m, scratch);

	env.io = &csa_prog_mem_io;
	env.ctx = &t->mem;
	env.lcache = c;
	csa_prog_run(&env, S_PROG, 0, t->n.prog_len, r);
	if (r->status != CSA_STATUS_OK) {
		fprintf(stderr, "# status %u detail %#x\n", r->status,
			r->detail);
		return false;
	}
	return net_slots_are(&t->n, t->n.want, "cached network");
}

static struct csa_layer_cache *cache_new(void)
{
	return calloc(1, sizeof(struct csa_layer_cache));
}

/* Bytes a miss reads for the layer that a hit does not. */
static uint64_t layer_meta_bytes(const struct ref_layer *l)
{
	return CSA_LAYER_HDR_SIZE + 2ull * l->groups * l->k +
	       (uint64_t)CSA_REQUANT_SIZE * l->units;
}

TEST(hit_reads_and_charges_no_layer_metadata)
{
	struct csa_layer_cache *c = cache_new();
	struct csa_prog_result plain, cold, warm;
	struct tnet t;

	ASSERT_NE(NULL, c);
	tnet_build(&t, 3, 0, 0);
	ASSERT_TRUE(tnet_run(&t, NULL, &plain)) TH_LOG("no cache");
	net_free(&t.n);

	tnet_build(&t, 3, 11, 12);
	ASSERT_TRUE(tnet_run(&t, c, &cold)) TH_LOG("cold cache");
	ASSERT_EQ(2u, c->misses) TH_LOG("both layers miss first");
	ASSERT_EQ(0u, c->hits);
	ASSERT_EQ(plain.cycles, cold.cycles)
		TH_LOG("a miss costs what an uncached run costs");
	ASSERT_EQ(plain.bytes, cold.bytes);

	ASSERT_TRUE(tnet_run(&t, c, &warm)) TH_LOG("warm cache: outputs differ");
	ASSERT_EQ(2u, c->hits) TH_LOG("both layers hit the second time");
	ASSERT_EQ(2u, c->misses);
	ASSERT_EQ(cold.bytes - layer_meta_bytes(&t.n.conv) -
		  layer_meta_bytes(&t.n.lin), warm.bytes)
		TH_LOG("a hit reads neither header, tag map nor records");
	ASSERT_LT(warm.cycles, cold.cycles) TH_LOG("a hit saves cycles");
	ASSERT_EQ(cold.macs, warm.macs);
	net_free(&t.n);
	free(c);
}

TEST(untagged_or_writable_slots_are_never_cached)
{
	struct csa_layer_cache *c = cache_new();
	struct csa_prog_result a, b;
	struct tnet t;

	ASSERT_NE(NULL, c);
	tnet_build(&t, 4, 0, 0);
	ASSERT_TRUE(tnet_run(&t, c, &a));
	ASSERT_TRUE(tnet_run(&t, c, &b));
	ASSERT_EQ(0u, c->hits + c->misses) TH_LOG("tag 0 went to the cache");
	ASSERT_EQ(a.cycles, b.cycles);

	/* a writable slot's bytes can change: its tag is ignored */
	t.slots[S_LIN].tag = 5;
	t.slots[S_LIN].access = CSA_ACCESS_READ | CSA_ACCESS_WRITE;
	ASSERT_TRUE(tnet_run(&t, c, &a));
	ASSERT_TRUE(tnet_run(&t, c, &b));
	ASSERT_EQ(0u, c->hits + c->misses) TH_LOG("a writable slot was cached");
	net_free(&t.n);
	free(c);
}

TEST(different_tags_at_the_same_offset_never_share)
{
	struct csa_layer_cache *c = cache_new();
	struct csa_prog_result r;
	struct tnet a, b;

	ASSERT_NE(NULL, c);
	tnet_build(&a, 5, 21, 22);
	tnet_build(&b, 6, 23, 24);	/* other layers, same offsets */
	ASSERT_NE(0, memcmp(a.n.lin.blob, b.n.lin.blob, a.n.lin.blob_size))
		TH_LOG("the two networks must differ");
	for (int i = 0; i < 3; i++) {
		ASSERT_TRUE(tnet_run(&a, c, &r)) TH_LOG("network a, round %d", i);
		ASSERT_TRUE(tnet_run(&b, c, &r)) TH_LOG("network b, round %d", i);
	}
	ASSERT_EQ(4u, c->misses);
	ASSERT_EQ(8u, c->hits);
	net_free(&a.n);
	net_free(&b.n);
	free(c);
}

TEST(least_recently_used_goes_first)
{
	struct csa_layer_cache *c = cache_new();
	const uint32_t nets = CSA_LCACHE_ENTRIES / 2;	/* 2 layers each */
	struct tnet *t = calloc(nets + 1, sizeof(*t));
	struct csa_prog_result r;
	uint64_t hits;

	ASSERT_NE(NULL, c);
	ASSERT_NE(NULL, t);
	for (uint32_t i = 0; i <= nets; i++)
		tnet_build(&t[i], 30 + i, 100 + 2 * i, 101 + 2 * i);
	for (uint32_t i = 0; i < nets; i++)	/* fills every entry */
		ASSERT_TRUE(tnet_run(&t[i], c, &r));
	ASSERT_EQ(0u, c->hits);
	ASSERT_TRUE(tnet_run(&t[0], c, &r));	/* 0 is now the newest */
	ASSERT_EQ(2u, c->hits) TH_LOG("a full cache still hits");
	ASSERT_TRUE(tnet_run(&t[nets], c, &r));	/* evicts network 1 */
	hits = c->hits;
	ASSERT_TRUE(tnet_run(&t[0], c, &r));
	ASSERT_EQ(hits + 2, c->hits) TH_LOG("the recently used network was evicted");
	hits = c->hits;
	ASSERT_TRUE(tnet_run(&t[1], c, &r)) TH_LOG("evicted layers decode again");
	ASSERT_EQ(hits, c->hits) TH_LOG("the least recently used network was kept");
	for (uint32_t i = 0; i <= nets; i++)
		net_free(&t[i].n);
	free(t);
	free(c);
}

TEST(flush_forgets_everything)
{
	struct csa_layer_cache *c = cache_new();
	struct csa_prog_result r;
	struct tnet t;

	ASSERT_NE(NULL, c);
	tnet_build(&t, 7, 41, 42);
	ASSERT_TRUE(tnet_run(&t, c, &r));
	csa_lcache_flush(c);
	ASSERT_TRUE(tnet_run(&t, c, &r)) TH_LOG("after a flush");
	ASSERT_EQ(0u, c->hits) TH_LOG("an entry survived the flush");
	ASSERT_EQ(4u, c->misses);
	net_free(&t.n);
	free(c);
}

TEST(a_hit_still_checks_the_op_against_the_layer)
{
	struct csa_layer_cache *c = cache_new();
	struct csa_prog_result r, cold;
	struct tnet t;

	ASSERT_NE(NULL, c);
	tnet_build(&t, 8, 51, 52);
	ASSERT_TRUE(tnet_run(&t, c, &r));
	t.n.ops[4].out_c = 9;	/* the layer has 10 units */
	net_write_prog(&t.n);
	tnet_run(&t, c, &r);
	/* the conv layer hit; the linear one was found but does not fit */
	ASSERT_EQ(1u, c->hits) TH_LOG("the conv layer should have hit");
	ASSERT_EQ((uint32_t)CSA_STATUS_PROGRAM, r.status);
	ASSERT_EQ(CSA_PROG_DETAIL(4, CSA_PROG_OPND_PARAM, CSA_PROG_ERR_LAYER),
		  r.detail) TH_LOG("detail %#x", r.detail);
	csa_lcache_flush(c);
	tnet_run(&t, c, &cold);
	ASSERT_EQ(r.detail, cold.detail) TH_LOG("hit and miss report alike");
	net_free(&t.n);
	free(c);
}

TEST_HARNESS_MAIN
