// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The model API (libcsa, lib/model_*.c) on the virtual cards: the packed
 * reference network (csa-pack's gsc.csa in /opt/csa/data) loaded once, all
 * 256 reference inputs run with 8 inferences in flight; every card output
 * bit-exact with the CPU reference run over the same buffers, the job's
 * cycles = 32 + the CPU reference's (the card's cost model at its lanes),
 * top-1 agreement with PyTorch >= 95 %; two models in two contexts (and
 * on both cards) at once; csa-run --card all spreading inferences over
 * every card, bit-exact with the CPU reference of each card; unloading
 * frees every buffer object (debugfs csa_bos back to its baseline), also
 * with inferences in flight.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "csa_hw.h"
#include "csa/model.h"
#include "csa_vm.h"
#include "csa_lib_util.h"
#include "pack_internal.h"

static char model_buf[256], ref_buf[256];
#define MODEL		csa_vm_data_path("gsc.csa", model_buf, sizeof(model_buf))
#define INFLIGHT	8

FIXTURE(model) {
	struct csa_vm_card card[CSA_VM_MAX_CARDS];
	char node[CSA_VM_MAX_CARDS][CSA_VM_PATH_LEN];
	int ncards;
	struct csa_safetensors st;
	const int8_t *inputs;
	const int32_t *top1;
	uint64_t samples;
};

FIXTURE_SETUP(model)
{
	const void *p;
	uint64_t n;

	self->ncards = csa_vm_cards(self->card, CSA_VM_MAX_CARDS);
	ASSERT_LT(0, self->ncards) TH_LOG("no card list: %s", strerror(-self->ncards));
	for (int i = 0; i < self->ncards; i++)
		ASSERT_EQ(0, csa_vm_render_node(self->card[i].addr, self->node[i],
						CSA_VM_PATH_LEN));
	ASSERT_EQ(0, csa_st_open(csa_vm_data_path("reference.safetensors.gz", ref_buf, sizeof(ref_buf)), &self->st))
		TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_st_get_raw(&self->st, "inputs", "I8", 1, &p, &n));
	self->inputs = p;
	ASSERT_EQ(0, csa_st_get_raw(&self->st, "top1", "I32", 4, &p, &self->samples));
	self->top1 = p;
	ASSERT_EQ(self->samples * 1024, n);
}

FIXTURE_TEARDOWN(model)
{
	csa_st_close(&self->st);
}

struct tally {
	uint32_t done, exact, cycles_exact, agree;
	uint64_t cycles;
};

/*
 * Wait for @inf (input @s), check its output against the CPU reference
 * over the same buffers, count it.
 */
static int finish(struct csa_infer *inf, uint64_t s, const int32_t *top1, struct tally *t)
{
	struct csa_infer_result card, cpu;
	int8_t out[12];
	int ret;

	ret = csa_infer_wait(inf, csa_deadline_after(10000000000ll), &card);
	if (ret)
		return ret;
	memcpy(out, csa_infer_output(inf), sizeof(out));
	memset((void *)csa_infer_output(inf), 0x5a, sizeof(out));
	ret = csa_infer_run_reference(inf, &cpu);
	if (ret)
		return ret;
	t->done++;
	t->exact += !memcmp(out, csa_infer_output(inf), sizeof(out));
	t->cycles_exact += card.cycles == cpu.cycles + 32;
	t->cycles += card.cycles;
	t->agree += (int32_t)csa_argmax_i8(out, sizeof(out)) == top1[s];
	return card.status == CSA_STATUS_OK && card.cycles ? 0 : -EPROTO;
}

/* Run inputs [0, n) through @inf[0..k) round robin, k in flight. */
static int run_all(struct csa_infer **inf, uint32_t k, const int8_t *inputs,
		   const int32_t *top1, uint64_t n, struct tally *t)
{
	int ret;

	for (uint64_t i = 0; i < n + k; i++) {
		struct csa_infer *x = inf[i % k];

		if (i >= k) {
			ret = finish(x, i - k, top1, t);
			if (ret)
				return ret;
		}
		if (i < n) {
			memcpy(csa_infer_input(x), inputs + i * 1024, 1024);
			ret = csa_infer_submit(x);
			if (ret)
				return ret;
		}
	}
	return 0;
}

TEST_F_TIMEOUT(model, all_inputs_bit_exact_with_cpu_reference, 240)
{
	struct csa_infer *inf[INFLIGHT];
	struct csa_model_info info;
	struct csa_model *m;
	struct csa_device *dev;
	struct tally t = { 0 };
	int64_t t0;

	ASSERT_EQ(0, csa_open_path(self->node[0], &dev)) TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_model_load(dev, MODEL, NULL, &m)) TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_model_info(m, &info));
	EXPECT_TRUE(info.on_card);
	for (int i = 0; i < INFLIGHT; i++)
		ASSERT_EQ(0, csa_infer_create(m, &inf[i])) TH_LOG("%s", csa_last_error());
	t0 = csa_now_ns();
	ASSERT_EQ(0, run_all(inf, INFLIGHT, self->inputs, self->top1, self->samples, &t))
		TH_LOG("after %u inferences: %s", t.done, csa_last_error());
	ksft_print_msg("card %s: %u inputs, %u bit-exact with the CPU reference, %u with its cycles + 32; top-1 agrees with PyTorch on %u (%.1f %%); %llu cycles per inference; %.2f s with %d in flight\n",
		       self->card[0].addr, t.done, t.exact, t.cycles_exact, t.agree,
		       100.0 * t.agree / t.done, (unsigned long long)(t.cycles / t.done),
		       (csa_now_ns() - t0) / 1e9, INFLIGHT);
	fflush(stdout);
	EXPECT_EQ(self->samples, t.done);
	EXPECT_EQ(t.done, t.exact);
	EXPECT_EQ(t.done, t.cycles_exact);
	EXPECT_GE(t.agree * 100ull, self->samples * 95);
	EXPECT_GT(t.cycles, 0u);
	csa_model_unload(m);
	csa_close(dev);
}

TEST_F(model, sync_run_and_state_errors)
{
	struct pollfd pfd = { .fd = -1, .events = POLLIN };
	struct csa_infer_result r;
	struct csa_infer *inf;
	struct csa_model *m;
	struct csa_device *dev;
	uint64_t layer[4];

	ASSERT_EQ(0, csa_open_path(self->node[0], &dev));
	ASSERT_EQ(0, csa_model_load(dev, MODEL, NULL, &m)) TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_infer_create(m, &inf));
	EXPECT_EQ(-EINVAL, csa_infer_wait(inf, 0, NULL));	/* nothing submitted */
	memcpy(csa_infer_input(inf), self->inputs, 1024);
	ASSERT_EQ(0, csa_infer_run(inf, &r)) TH_LOG("%s", csa_last_error());
	EXPECT_EQ((uint32_t)CSA_STATUS_OK, r.status);
	EXPECT_GT(r.cycles, 0u);
	EXPECT_GT(r.host_ns, 0);
	EXPECT_EQ(self->top1[0], (int32_t)csa_argmax_i8(csa_infer_output(inf), 12));
	ASSERT_EQ(0, csa_infer_submit(inf));
	EXPECT_EQ(-EBUSY, csa_infer_submit(inf));	/* already in flight */
	/* the out fence as a sync_file: poll()-able */
	EXPECT_EQ(0, csa_fence_sync_file(csa_infer_fence(inf), 0, &pfd.fd));
	EXPECT_EQ(1, poll(&pfd, 1, 10000));
	close(pfd.fd);
	EXPECT_EQ(-EBUSY, csa_infer_run_cpu(inf, NULL));
	EXPECT_EQ(0, csa_infer_wait(inf, CSA_DEADLINE_INFINITE, NULL));
	EXPECT_EQ(0, csa_infer_layer_cycles(inf, layer));
	EXPECT_GT(layer[0], 0u);
	csa_model_unload(m);
	csa_close(dev);
}

/* Two contexts (two opens of card 0, different hardware queues) and card 1. */
TEST_F_TIMEOUT(model, two_models_two_contexts_at_once, 120)
{
	const struct csa_model_options q1 = { .hw_queue = 1, .priority = DRM_CSA_PRIORITY_NORMAL };
	struct csa_device *dev[3] = { 0 };
	struct csa_model *m[3] = { 0 };
	struct csa_infer *inf[3][4];
	struct tally t[3] = { 0 };
	int n = self->ncards > 1 ? 3 : 2;
	const uint64_t count = 64;

	for (int d = 0; d < n; d++) {
		ASSERT_EQ(0, csa_open_path(self->node[d == 2], &dev[d]));
		ASSERT_EQ(0, csa_model_load(dev[d], MODEL, d == 1 ? &q1 : NULL, &m[d]))
			TH_LOG("context %d: %s", d, csa_last_error());
		for (int i = 0; i < 4; i++)
			ASSERT_EQ(0, csa_infer_create(m[d], &inf[d][i]));
	}
	/* every model has 4 inferences in flight at the same time */
	for (uint64_t i = 0; i < count + 4; i++) {
		for (int d = 0; d < n; d++) {
			struct csa_infer *x = inf[d][i % 4];

			if (i >= 4)
				ASSERT_EQ(0, finish(x, i - 4, self->top1, &t[d]))
					TH_LOG("context %d: %s", d, csa_last_error());
			if (i < count) {
				memcpy(csa_infer_input(x), self->inputs + i * 1024, 1024);
				ASSERT_EQ(0, csa_infer_submit(x)) TH_LOG("%s", csa_last_error());
			}
		}
	}
	for (int d = 0; d < n; d++) {
		EXPECT_EQ(count, t[d].done);
		EXPECT_EQ(count, t[d].exact) TH_LOG("context %d", d);
		EXPECT_EQ(count, t[d].cycles_exact) TH_LOG("context %d", d);
		EXPECT_EQ(t[0].agree, t[d].agree);
		csa_model_unload(m[d]);
		csa_close(dev[d]);
	}
}

/*
 * csa-run --card all: the model on every card, inferences round-robin;
 * --check reruns each on the CPU reference of the card it ran on (the
 * cards have different lanes, so different cycles) and fails on any
 * difference.
 */
TEST_F_TIMEOUT(model, csa_run_on_every_card, 180)
{
	static char out[16384];
	char inputs[160], args[400];
	const char *run = getenv("CSA_RUN");
	int status;

	if (self->ncards < 2)
		SKIP(return, "one card only");
	if (!run || !*run)
		run = "/opt/csa/bin/csa-run";
	csa_vm_data_path("reference.safetensors.gz", inputs, sizeof(inputs));
	snprintf(args, sizeof(args), "%s --card all --inflight 2 --count 48 --check -q --inputs %s",
		 MODEL, inputs);
	status = csa_lib_run(run, args, 0, out, sizeof(out));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("csa-run --card all: status %#x:\n%s", status, out);
	EXPECT_NE(NULL, strstr(out, "predictions (2 cards, 48 inputs)")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "48 of 48 outputs bit-exact, 48 with device cycles"))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "(4 in flight")) TH_LOG("%s", out);
	/* a bad card spec is refused before anything runs */
	snprintf(args, sizeof(args), "%s --card nine --inputs x", MODEL);
	status = csa_lib_run(run, args, 0, out, sizeof(out));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1)
		TH_LOG("--card nine: status %#x:\n%s", status, out);
}

TEST_F(model, unload_frees_every_bo)
{
	struct csa_infer *inf[4];
	struct csa_model *m;
	struct csa_device *dev;
	uint64_t base, loaded, after;

	ASSERT_EQ(0, csa_open_path(self->node[0], &dev));
	ASSERT_EQ(0, csa_vm_debugfs_bos(self->card[0].addr, &base));
	ASSERT_EQ(0, csa_model_load(dev, MODEL, NULL, &m)) TH_LOG("%s", csa_last_error());
	for (int i = 0; i < 4; i++) {
		ASSERT_EQ(0, csa_infer_create(m, &inf[i]));
		memcpy(csa_infer_input(inf[i]), self->inputs + i * 1024, 1024);
		ASSERT_EQ(0, csa_infer_submit(inf[i]));
	}
	ASSERT_EQ(0, csa_vm_debugfs_bos(self->card[0].addr, &loaded));
	/* weights + program, and input, activations, output per inference */
	EXPECT_EQ(base + 2 + 4 * 3, loaded);
	/* unload with all four in flight: waits, then frees everything */
	csa_model_unload(m);
	after = csa_vm_debugfs_bos_settle(self->card[0].addr, base, 5000);
	EXPECT_EQ(base, after) TH_LOG("BOs still alive 5 s after csa_model_unload()");
	/* and a model loaded again on the same device works */
	ASSERT_EQ(0, csa_model_load(dev, MODEL, NULL, &m));
	ASSERT_EQ(0, csa_infer_create(m, &inf[0]));
	memcpy(csa_infer_input(inf[0]), self->inputs, 1024);
	EXPECT_EQ(0, csa_infer_run(inf[0], NULL));
	csa_infer_destroy(inf[0]);
	csa_model_unload(m);
	after = csa_vm_debugfs_bos_settle(self->card[0].addr, base, 5000);
	EXPECT_EQ(base, after) TH_LOG("BOs still alive 5 s after csa_model_unload()");
	csa_close(dev);
}

TEST_HARNESS_MAIN
