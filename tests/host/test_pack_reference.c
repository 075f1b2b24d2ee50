// SPDX-License-Identifier: MIT
/*
 * The committed reference model (tests/data/gsc, tools/model/export.py):
 * it loads, packs and parses; the pack report has the numbers the network
 * implies (K, groups, 100 % efficiency for complete complementary groups);
 * csa-pack's exit codes; and an integer forward pass of the packed model
 * (plain loops over the unpacked weights, independent of the card's
 * datapath code) agrees with PyTorch's float top-1 on the reference inputs.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "kselftest_harness.h"

/* The 6.1 harness has no floating-point comparisons. */
#define EXPECT_CLOSE(want, got) \
	EXPECT_TRUE(fabs((double)(want) - (double)(got)) <= 1e-9 * fabs((double)(want)) + 1e-12)

#include "csa/model.h"
#include "pack_internal.h"
#include "pack_int8_ref.h"

#ifndef GSC_DATA
#error "GSC_DATA: directory of the committed reference model"
#endif
#ifndef CSA_PACK_BIN
#error "CSA_PACK_BIN: the csa-pack binary"
#endif

#define MODEL_JSON GSC_DATA "/model.json"
#define REFERENCE GSC_DATA "/reference.safetensors.gz"

FIXTURE(gsc) {
	struct csa_fmodel *model;
	struct csa_pack_result res;
	struct csa_model_view view;
};

FIXTURE_SETUP(gsc)
{
	ASSERT_EQ(0, csa_fmodel_load(MODEL_JSON, &self->model)) TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_pack_model(self->model, NULL, &self->res)) TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_model_parse(self->res.data, self->res.size, &self->view))
		TH_LOG("%s", csa_last_error());
}

FIXTURE_TEARDOWN(gsc)
{
	csa_pack_result_free(&self->res);
	csa_fmodel_free(self->model);
}

TEST_F(gsc, report_numbers)
{
	static const struct {
		const char *name;
		uint32_t units, cols, k, groups;
		uint64_t nonzeros;
	} want[] = {
		{ "conv1", 64, 25, 2, 32, 64 * 25 / 2 },	/* 13 + 12 per group */
		{ "conv2", 64, 1600, 5, 13, 64 * 320 },	/* last group: 4 of 5 */
		{ "fc1", 1000, 1600, 10, 100, 1000 * 160 },
		{ "fc2", 12, 1000, 1, 12, 12 * 1000 },
	};

	ASSERT_EQ(4u, self->res.num_layers);
	for (int i = 0; i < 4; i++) {
		const struct csa_pack_layer_report *r = &self->res.layers[i];
		double eff = (double)want[i].nonzeros / ((double)want[i].groups * want[i].cols);

		EXPECT_STREQ(want[i].name, r->name);
		EXPECT_EQ(want[i].units, r->units) TH_LOG("%s", r->name);
		EXPECT_EQ(want[i].cols, r->cols) TH_LOG("%s", r->name);
		EXPECT_EQ(want[i].k, r->k) TH_LOG("%s: K", r->name);
		EXPECT_EQ(want[i].groups, r->groups) TH_LOG("%s: groups", r->name);
		EXPECT_TRUE(r->exact) TH_LOG("%s: complementary masks must group exactly", r->name);
		EXPECT_EQ(want[i].nonzeros, r->nonzeros) TH_LOG("%s: non-zeros", r->name);
		EXPECT_CLOSE(eff, r->efficiency) TH_LOG("%s: efficiency", r->name);
		EXPECT_EQ((uint64_t)r->units * r->cols * r->positions, r->macs_dense);
		EXPECT_EQ((uint64_t)r->groups * r->cols * r->positions, r->macs_sparse);
		EXPECT_EQ(0u, r->saturated_biases + r->saturated_multipliers) TH_LOG("%s", r->name);
	}
	EXPECT_CLOSE(1.0, self->res.layers[0].efficiency);
	EXPECT_CLOSE(1.0, self->res.layers[2].efficiency);
	EXPECT_EQ(784u, self->res.layers[0].positions);
	EXPECT_EQ(10u, self->view.hdr->max_k);
	EXPECT_EQ(12u, self->view.hdr->out_c);
}

TEST_F(gsc, greedy_finds_the_same_groups)
{
	struct csa_pack_options opt = { .greedy = true };
	struct csa_pack_result g;

	ASSERT_EQ(0, csa_pack_model(self->model, &opt, &g)) TH_LOG("%s", csa_last_error());
	for (int i = 0; i < 4; i++) {
		EXPECT_FALSE(g.layers[i].exact);
		EXPECT_EQ(self->res.layers[i].groups, g.layers[i].groups)
			TH_LOG("%s: greedy needed %u groups", g.layers[i].name, g.layers[i].groups);
	}
	csa_pack_result_free(&g);
}

TEST_F(gsc, max_k_limits_the_pack_factor)
{
	struct csa_pack_options opt = { .max_k = 4 };
	struct csa_pack_result r;

	ASSERT_EQ(0, csa_pack_model(self->model, &opt, &r)) TH_LOG("%s", csa_last_error());
	/*
	 * fc1's groups of 10 split into 4 + 4 + 2: runs of 4 straddle the
	 * original groups, so grouping is greedy and cannot merge the pairs
	 * left over from different groups (they overlap).
	 */
	EXPECT_EQ(4u, r.layers[2].k);
	EXPECT_FALSE(r.layers[2].exact);
	EXPECT_EQ(300u, r.layers[2].groups);
	EXPECT_CLOSE(1.0 / 3, r.layers[2].efficiency);
	EXPECT_EQ(2u, r.layers[0].k) TH_LOG("layers below the limit keep their K");
	EXPECT_TRUE(r.layers[0].exact);
	csa_pack_result_free(&r);
}

/* Reference inputs on which a packed model's int8 top-1 equals PyTorch's. */
static uint32_t agreement(struct __test_metadata *_metadata, const struct csa_model_view *v,
			  uint64_t *total)
{
	struct csa_safetensors st;
	const void *inputs, *top1;
	uint64_t n_in, n_top;
	struct qlayer q[4];
	uint32_t n = v->hdr->num_layers, agree = 0;
	size_t cap = v->hdr->max_activation;
	int8_t *a = malloc(cap), *b = malloc(cap);

	*total = 0;
	EXPECT_EQ(4u, n);
	EXPECT_EQ(0, csa_st_open(REFERENCE, &st)) TH_LOG("%s", csa_last_error());
	EXPECT_EQ(0, csa_st_get_raw(&st, "inputs", "I8", 1, &inputs, &n_in)) TH_LOG("%s", csa_last_error());
	EXPECT_EQ(0, csa_st_get_raw(&st, "top1", "I32", 4, &top1, &n_top)) TH_LOG("%s", csa_last_error());
	EXPECT_EQ(n_top * 1024, n_in);
	EXPECT_GE(n_top, 256u);
	if (n != 4 || n_top * 1024 != n_in) {
		free(a);
		free(b);
		return 0;
	}
	for (uint32_t i = 0; i < n; i++)
		load_qlayer(v, i, &q[i]);
	for (uint64_t s = 0; s < n_top; s++) {
		int32_t want;

		int8_forward(q, n, (const int8_t *)inputs + s * 1024, 1024, a, b);
		memcpy(&want, (const int32_t *)top1 + s, 4);
		agree += (int32_t)csa_argmax_i8(a, v->hdr->out_c) == want;
	}
	for (uint32_t i = 0; i < n; i++)
		free(q[i].w);
	free(a);
	free(b);
	csa_st_close(&st);
	*total = n_top;
	return agree;
}

TEST_F_TIMEOUT(gsc, integer_forward_agrees_with_pytorch, 120)
{
	uint64_t total;
	uint32_t agree = agreement(_metadata, &self->view, &total);

	ksft_print_msg("int8 packed model: top-1 agrees with PyTorch float on %u of %llu reference inputs\n",
		       agree, (unsigned long long)total);
	fflush(stdout);
	EXPECT_GE(agree * 100, total * 95) TH_LOG("only %u of %llu agree", agree,
						   (unsigned long long)total);
}

/*
 * Scales calibrated on half of the reference inputs (csa-pack --calibrate):
 * close to the export's (PyTorch, 512 other inputs of the same
 * distribution), and the model packed with them still agrees with PyTorch.
 */
TEST_F_TIMEOUT(gsc, calibrated_scales_agree_with_pytorch, 120)
{
	float *inputs;
	uint32_t count, agree;
	uint64_t total;
	struct csa_pack_result r;
	struct csa_model_view v;
	float export_max[4], export_density[4];

	for (uint32_t i = 0; i < 4; i++) {
		export_max[i] = self->model->layers[i].act_max;
		export_density[i] = self->model->layers[i].in_density;
	}
	ASSERT_EQ(0, csa_calibration_inputs_load(REFERENCE, self->model, &inputs, &count))
		TH_LOG("%s", csa_last_error());
	ASSERT_EQ(256u, count);
	ASSERT_EQ(0, csa_fmodel_calibrate(self->model, inputs, 128)) TH_LOG("%s", csa_last_error());
	free(inputs);
	for (uint32_t i = 0; i < 4; i++) {
		const struct csa_fmodel_layer *l = &self->model->layers[i];

		ksft_print_msg("%s: act_max export %.4f calibrated %.4f; input density %.4f / %.4f\n",
			       l->name, export_max[i], l->act_max, export_density[i], l->in_density);
		EXPECT_TRUE(l->act_max > 0.8f * export_max[i] && l->act_max < 1.25f * export_max[i])
			TH_LOG("%s: calibrated act_max %g, the export's %g", l->name, l->act_max,
			       export_max[i]);
		EXPECT_TRUE(fabsf(l->in_density - export_density[i]) < 0.02f)
			TH_LOG("%s: input density %g, the export measured %g", l->name,
			       l->in_density, export_density[i]);
	}
	ASSERT_EQ(0, csa_pack_model(self->model, NULL, &r)) TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_model_parse(r.data, r.size, &v)) TH_LOG("%s", csa_last_error());
	agree = agreement(_metadata, &v, &total);
	ksft_print_msg("calibrated on 128 reference inputs: top-1 agrees with PyTorch on %u of %llu\n",
		       agree, (unsigned long long)total);
	fflush(stdout);
	EXPECT_GE(agree * 100, total * 95) TH_LOG("only %u of %llu agree", agree,
						   (unsigned long long)total);
	csa_pack_result_free(&r);
}

TEST(calibration_inputs_file_errors)
{
	/* 3x7x7 = 147 elements: the reference's 256 x 1024 is no multiple */
	struct csa_fmodel m = { .in_c = 3, .in_h = 7, .in_w = 7, .input_scale = 1.0f / 127 };
	float *in;
	uint32_t n;

	EXPECT_EQ(-EINVAL, csa_calibration_inputs_load(REFERENCE, &m, &in, &n));
	EXPECT_NE(NULL, strstr(csa_last_error(), "whole number")) TH_LOG("%s", csa_last_error());
	m.in_c = 1, m.in_h = 32, m.in_w = 32;
	EXPECT_EQ(-EINVAL, csa_calibration_inputs_load(GSC_DATA "/model.safetensors.gz", &m, &in, &n));
	EXPECT_NE(NULL, strstr(csa_last_error(), "\"inputs\"")) TH_LOG("%s", csa_last_error());
	EXPECT_NE(0, csa_calibration_inputs_load("/nonexistent.safetensors", &m, &in, &n));
	EXPECT_EQ(NULL, in);
	ASSERT_EQ(0, csa_calibration_inputs_load(REFERENCE, &m, &in, &n)) TH_LOG("%s", csa_last_error());
	EXPECT_EQ(256u, n);
	EXPECT_TRUE(in[0] >= 0 && in[0] <= 1) TH_LOG("I8 inputs at scale 1/127: %g", in[0]);
	free(in);
}

/* ---- csa-pack, the tool ---- */

static int run(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0;
	int status;

	if (!p)
		return -1;
	if (out) {
		n = fread(out, 1, len - 1, p);
		out[n] = 0;
	} else {
		char sink[4096];

		while (fread(sink, 1, sizeof(sink), p) > 0)
			;
	}
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(csa_pack_tool)
{
	static char out[16384];

	ASSERT_EQ(0, run(CSA_PACK_BIN " " MODEL_JSON " -o /tmp/csa-pack-test.csa --report 2>&1",
			 out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "conv1        64     25   2     32 exact   100.00%")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "fc1        1000   1600  10    100 exact   100.00%")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "conv2        64   1600   5     13 exact    98.46%")) TH_LOG("%s", out);
	EXPECT_EQ(0, run(CSA_PACK_BIN " --info /tmp/csa-pack-test.csa 2>&1", out, sizeof(out)))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "4 layers, max K 10")) TH_LOG("%s", out);
	EXPECT_EQ(1, run(CSA_PACK_BIN " " MODEL_JSON " -o /tmp/csa-pack-test.csa --variant super_sparse 2>&1",
			 out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "not \"super_sparse\"")) TH_LOG("%s", out);
	EXPECT_EQ(1, run(CSA_PACK_BIN " /nonexistent.json -o /tmp/csa-pack-test.csa 2>&1", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "/nonexistent.json")) TH_LOG("message names the file: %s", out);
	EXPECT_EQ(1, run(CSA_PACK_BIN " --info " REFERENCE " 2>&1", out, sizeof(out)))
		TH_LOG("a gzip file is not a model: %s", out);
	EXPECT_EQ(2, run(CSA_PACK_BIN " 2>&1", NULL, 0)) TH_LOG("no arguments is a usage error");
	EXPECT_EQ(2, run(CSA_PACK_BIN " --max-k 0 x.json -o y 2>&1", NULL, 0));
	/* a misspelt optional key used to pack without BatchNorm, exit 0 */
	ASSERT_EQ(0, run("sed -e 's/\"batchnorm\"/\"batch_norm\"/' -e 's|\"model.safetensors.gz\"|\""
			 GSC_DATA "/model.safetensors.gz\"|' " MODEL_JSON " > /tmp/csa-pack-test.json",
			 NULL, 0));
	EXPECT_EQ(1, run(CSA_PACK_BIN " /tmp/csa-pack-test.json -o /tmp/csa-pack-test.csa 2>&1", out,
			 sizeof(out))) TH_LOG("misspelt \"batch_norm\" accepted: %s", out);
	EXPECT_NE(NULL, strstr(out, "layer 0 (conv1): unknown key \"batch_norm\" (did you mean "
			       "\"batchnorm\"?)")) TH_LOG("%s", out);
	remove("/tmp/csa-pack-test.json");
	EXPECT_EQ(0, run(CSA_PACK_BIN " " MODEL_JSON " -o /tmp/csa-pack-test.csa --report --calibrate "
			 REFERENCE " 2>&1", out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "calibrated on 256 inputs")) TH_LOG("%s", out);
	EXPECT_EQ(1, run(CSA_PACK_BIN " " MODEL_JSON " -o /tmp/csa-pack-test.csa --calibrate "
			 GSC_DATA "/model.safetensors.gz 2>&1", out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"inputs\"")) TH_LOG("the message names the tensor: %s", out);
	EXPECT_EQ(2, run(CSA_PACK_BIN " --info /tmp/csa-pack-test.csa --calibrate x 2>&1", NULL, 0));
	remove("/tmp/csa-pack-test.csa");
}

TEST(bad_exports_are_rejected_clearly)
{
	static const struct {
		const char *json;
		const char *expect;
	} cases[] = {
		{ "{", "" },
		{ "{\"format\": \"other\"}", "csa-model-export" },
		{ "{\"format\": \"csa-model-export\", \"version\": 1, \"input\": {\"shape\": [1, 32, 32], "
		  "\"scale\": 0.1}, \"tensors\": \"model.safetensors.gz\", \"layers\": []}", "layers" },
		{ "{\"format\": \"csa-model-export\", \"version\": 1, \"input\": {\"shape\": [1, 32, 32], "
		  "\"scale\": 0}, \"tensors\": \"x\", \"layers\": [{}]}", "scale" },
		{ "{\"format\": \"csa-model-export\", \"version\": 1, \"input\": {\"shape\": [1, 32, 32], "
		  "\"scale\": 0.1}, \"tensors\": \"/nonexistent\", \"layers\": [{}]}", "/nonexistent" },
		{ "{\"format\": \"csa-model-export\", \"version\": 1, \"input\": {\"shape\": [1, 32, 32], "
		  "\"scale\": 0.1}, \"tensors\": \"" GSC_DATA "/model.safetensors.gz\", \"layers\": "
		  "[{\"name\": \"conv1\", \"type\": \"conv2d\", \"in_shape\": [1, 32, 32], "
		  "\"out_shape\": [64, 28, 28], \"kernel\": [5, 5], \"stride\": 1, \"padding\": 0, "
		  "\"K\": 2, \"act_max\": 1, \"weight\": \"conv2.weight\"}]}", "dimension" },
		{ "{\"format\": \"csa-model-export\", \"version\": 1, \"input\": {\"shape\": [1, 32, 32], "
		  "\"scale\": 0.1}, \"tensors\": \"" GSC_DATA "/model.safetensors.gz\", \"layers\": "
		  "[{\"name\": \"conv1\", \"type\": \"conv2d\", \"in_shape\": [1, 32, 32], "
		  "\"out_shape\": [64, 27, 28], \"kernel\": [5, 5], \"stride\": 1, \"padding\": 0, "
		  "\"K\": 2, \"act_max\": 1, \"weight\": \"conv1.weight\"}]}", "out_shape" },
		{ "{\"format\": \"csa-model-export\", \"version\": 1, \"input\": {\"shape\": [1, 32, 32], "
		  "\"scale\": 0.1}, \"tensors\": \"" GSC_DATA "/model.safetensors.gz\", \"layers\": "
		  "[{\"name\": \"conv1\", \"type\": \"conv2d\", \"in_shape\": [1, 32, 32], "
		  "\"out_shape\": [64, 28, 28], \"kernel\": [5, 5], \"stride\": 1, \"padding\": 0, "
		  "\"K\": 2, \"act_max\": 0, \"weight\": \"conv1.weight\"}]}", "act_max" },
	};
	char path[] = "/tmp/csa-export-XXXXXX";
	int fd = mkstemp(path);
	struct csa_fmodel *m;

	ASSERT_LE(0, fd);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASSERT_EQ(0, ftruncate(fd, 0));
		ASSERT_EQ((ssize_t)strlen(cases[i].json), pwrite(fd, cases[i].json, strlen(cases[i].json), 0));
		EXPECT_GT(0, csa_fmodel_load(path, &m)) TH_LOG("case %zu accepted", i);
		EXPECT_NE(NULL, strstr(csa_last_error(), cases[i].expect))
			TH_LOG("case %zu: \"%s\" lacks \"%s\"", i, csa_last_error(), cases[i].expect);
	}
	close(fd);
	unlink(path);
}

TEST_HARNESS_MAIN
