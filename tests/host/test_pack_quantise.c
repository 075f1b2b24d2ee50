// SPDX-License-Identifier: MIT
/*
 * Packer quantisation: per-unit int8 weights, requantisation multiplier,
 * shift and bias, Q8.8 boost, and the card's requantisation arithmetic
 * (uapi/csa_format.h) -- edge cases: saturation, zero and tiny scales,
 * non-finite inputs.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kselftest_harness.h"

/* The 6.1 harness has no floating-point comparisons. */
#define EXPECT_CLOSE(want, got) \
	EXPECT_TRUE(fabs((double)(want) - (double)(got)) <= 1e-9 * fabs((double)(want)) + 1e-12)

#include "csa/pack.h"
#include "pack_test_model.h"

TEST(row_max_maps_to_127)
{
	const float w[2][4] = { { 0.5f, -1.0f, 0.25f, 0.0f }, { 2.0f, 1.0f, -2.0f, 0.01f } };
	int8_t q[8];
	float s[2];

	ASSERT_EQ(0, csa_quantise_rows(&w[0][0], 2, 4, q, s)) TH_LOG("%s", csa_last_error());
	EXPECT_CLOSE(1.0f / 127, s[0]);
	EXPECT_CLOSE(2.0f / 127, s[1]);
	EXPECT_EQ(64, q[0]) TH_LOG("0.5 / (1/127) = 63.5 rounds to even 64");
	EXPECT_EQ(-127, q[1]) TH_LOG("-max must be -127, never -128");
	EXPECT_EQ(0, q[3]);
	EXPECT_EQ(127, q[4]);
	EXPECT_EQ(-127, q[6]);
	EXPECT_EQ(1, q[7]) TH_LOG("0.01 / (2/127) = 0.635 rounds to 1");
}

TEST(zero_row_has_zero_scale_and_zero_weights)
{
	const float w[3] = { 0.0f, -0.0f, 0.0f };
	int8_t q[3] = { 9, 9, 9 };
	float s = 1;

	ASSERT_EQ(0, csa_quantise_rows(w, 1, 3, q, &s));
	EXPECT_EQ(0.0f, s);
	EXPECT_EQ(0, q[0] | q[1] | q[2]) TH_LOG("a zero row must quantise to zeros");
}

TEST(denormal_row_is_treated_as_zero)
{
	const float w[2] = { 1e-44f, -1e-45f };
	int8_t q[2];
	float s;

	ASSERT_EQ(0, csa_quantise_rows(w, 1, 2, q, &s));
	EXPECT_EQ(0.0f, s) TH_LOG("max/127 underflows: scale must be 0, not a denormal");
	EXPECT_EQ(0, q[0] | q[1]);
}

TEST(non_finite_weight_is_rejected)
{
	float w[2] = { 1.0f, NAN };
	int8_t q[2];
	float s;

	EXPECT_EQ(-EINVAL, csa_quantise_rows(w, 1, 2, q, &s));
	w[1] = INFINITY;
	EXPECT_EQ(-EINVAL, csa_quantise_rows(w, 1, 2, q, &s));
	EXPECT_NE(NULL, strstr(csa_last_error(), "not finite")) TH_LOG("%s", csa_last_error());
}

TEST(multiplier_of_one_half_and_small)
{
	int32_t m;
	uint8_t s;

	ASSERT_EQ(0, csa_requant_multiplier(1.0, &m, &s));
	EXPECT_EQ(1 << 30, m);
	EXPECT_EQ(30, s);
	ASSERT_EQ(0, csa_requant_multiplier(0.5, &m, &s));
	EXPECT_EQ(1 << 30, m);
	EXPECT_EQ(31, s);
	ASSERT_EQ(0, csa_requant_multiplier(0.001, &m, &s));
	EXPECT_EQ(31, s);
	EXPECT_LT(fabs(m / 2147483648.0 - 0.001), 1e-9) TH_LOG("multiplier %d", m);
}

TEST(multiplier_large_uses_smaller_shift_then_saturates)
{
	int32_t m;
	uint8_t s;

	ASSERT_EQ(0, csa_requant_multiplier(1000.0, &m, &s));
	EXPECT_LT(fabs(ldexp(m, -s) - 1000.0), 1e-6);
	EXPECT_LT(m, INT32_MAX);
	EXPECT_EQ(1, csa_requant_multiplier(3e9, &m, &s)) TH_LOG("3e9 cannot be represented");
	EXPECT_EQ(INT32_MAX, m);
	EXPECT_EQ(0, s);
}

TEST(multiplier_zero_and_tiny)
{
	int32_t m = 5;
	uint8_t s;

	ASSERT_EQ(0, csa_requant_multiplier(0.0, &m, &s));
	EXPECT_EQ(0, m);
	ASSERT_EQ(0, csa_requant_multiplier(1e-12, &m, &s));
	EXPECT_EQ(0, m) TH_LOG("below 2^-32 the multiplier rounds to 0");
}

TEST(multiplier_rejects_negative_and_nan)
{
	int32_t m;
	uint8_t s;

	EXPECT_EQ(-EINVAL, csa_requant_multiplier(-0.5, &m, &s));
	EXPECT_EQ(-EINVAL, csa_requant_multiplier(NAN, &m, &s));
	EXPECT_EQ(-EINVAL, csa_requant_multiplier(INFINITY, &m, &s));
}

TEST(bias_rounds_and_saturates)
{
	bool sat;

	EXPECT_EQ(3, csa_quantise_bias(2.6, &sat));
	EXPECT_FALSE(sat);
	EXPECT_EQ(-2, csa_quantise_bias(-2.4, &sat));
	EXPECT_EQ(INT32_MAX, csa_quantise_bias(1e12, &sat));
	EXPECT_TRUE(sat);
	EXPECT_EQ(INT32_MIN, csa_quantise_bias(-1e12, &sat));
	EXPECT_TRUE(sat);
	EXPECT_EQ(0, csa_quantise_bias(NAN, &sat));
	EXPECT_TRUE(sat);
}

TEST(boost_q88)
{
	EXPECT_EQ(CSA_BOOST_ONE, csa_boost_q88(1.0f));
	EXPECT_EQ(384, csa_boost_q88(1.5f));
	EXPECT_EQ(0, csa_boost_q88(-1.0f));
	EXPECT_EQ(0, csa_boost_q88(NAN));
	EXPECT_EQ(UINT16_MAX, csa_boost_q88(1e9f));
}

TEST(requant_rounds_half_up)
{
	struct csa_requant rq = { .bias = 0, .multiplier = 1 << 30, .shift = 31 };	/* x 0.5 */

	EXPECT_EQ(2, csa_requant_apply(3, &rq)) TH_LOG("1.5 rounds up to 2");
	EXPECT_EQ(-1, csa_requant_apply(-3, &rq)) TH_LOG("-1.5 rounds half up to -1");
	EXPECT_EQ(0, csa_requant_apply(-1, &rq)) TH_LOG("-0.5 rounds half up to 0");
	rq.shift = 0;
	rq.multiplier = 1;
	EXPECT_EQ(7, csa_requant_apply(7, &rq)) TH_LOG("shift 0 is the plain product");
}

TEST(requant_saturates_int8_and_int32)
{
	struct csa_requant rq = { .bias = INT32_MAX, .multiplier = 1, .shift = 24 };

	EXPECT_EQ(127, csa_requant_apply(INT32_MAX, &rq)) TH_LOG("acc + bias is sat32 first");
	rq.bias = 0;
	rq.multiplier = INT32_MAX;
	rq.shift = 0;
	EXPECT_EQ(127, csa_requant_apply(1000, &rq));
	EXPECT_EQ(-128, csa_requant_apply(-1000, &rq));
	rq.bias = INT32_MIN;
	rq.multiplier = 1;
	rq.shift = 31;
	EXPECT_EQ(-1, csa_requant_apply(INT32_MIN, &rq)) TH_LOG("sat32(-2^32) * 2^-31 = -1");
}

TEST(requant_of_packer_matches_real_scale)
{
	/* acc * 0.37 for a range of accumulators: error at most one step */
	int32_t m;
	uint8_t s;

	ASSERT_EQ(0, csa_requant_multiplier(0.37, &m, &s));
	for (int32_t acc = -340; acc <= 340; acc += 17) {
		struct csa_requant rq = { .bias = 0, .multiplier = m, .shift = s };
		double want = floor(acc * 0.37 + 0.5);

		if (want > 127)
			want = 127;
		if (want < -128)
			want = -128;
		EXPECT_EQ((int)want, csa_requant_apply(acc, &rq)) TH_LOG("acc %d", acc);
	}
}

/* Model level: an all-zero unit, a saturating bias, unusable ranges. */
TEST(model_zero_unit_and_saturated_bias)
{
	struct csa_fmodel *m = tm_model();
	struct csa_fmodel_layer *l = &m->layers[2];
	struct csa_pack_result r;
	struct csa_model_view v;
	const struct csa_layer_hdr *h;
	struct csa_requant rq;
	int8_t w[3 * 6];

	memset(l->weight, 0, 6 * sizeof(float));	/* unit 0 of fc2 */
	l->bias[1] = 1e30f;				/* unit 1: bias / scale > 2^31 */
	ASSERT_EQ(0, csa_pack_model(m, NULL, &r)) TH_LOG("%s", csa_last_error());
	EXPECT_EQ(1u, r.layers[2].zero_rows);
	EXPECT_EQ(1u, r.layers[2].saturated_biases);
	ASSERT_EQ(0, csa_model_parse(r.data, r.size, &v)) TH_LOG("%s", csa_last_error());
	h = csa_model_layer_blob(&v, 2);
	ASSERT_EQ(0, csa_unpack_layer(h, h->total_size, w));
	for (int i = 0; i < 6; i++) {
		EXPECT_EQ(0, w[i]) TH_LOG("all-zero unit, weight %d", i);
	}
	memcpy(&rq, (const uint8_t *)h + h->requant_off, sizeof(rq));
	EXPECT_NE(0, rq.multiplier) TH_LOG("the zero unit still maps its bias to the output");
	memcpy(&rq, (const uint8_t *)h + h->requant_off + CSA_REQUANT_SIZE, sizeof(rq));
	EXPECT_EQ(INT32_MAX, rq.bias);
	EXPECT_EQ(127, csa_requant_apply(0, &rq)) TH_LOG("a huge bias saturates the output");
	csa_pack_result_free(&r);
	csa_fmodel_free(m);
}

TEST(model_rejects_unusable_scales)
{
	struct csa_fmodel *m = tm_model();
	struct csa_pack_result r;

	m->layers[1].act_max = 0;
	EXPECT_EQ(-EINVAL, csa_pack_model(m, NULL, &r));
	EXPECT_NE(NULL, strstr(csa_last_error(), "fc1")) TH_LOG("%s", csa_last_error());
	m->layers[1].act_max = 2;
	m->layers[0].weight[0] = NAN;
	EXPECT_EQ(-EINVAL, csa_pack_model(m, NULL, &r));
	EXPECT_NE(NULL, strstr(csa_last_error(), "conv")) TH_LOG("%s", csa_last_error());
	m->layers[0].weight[0] = 0;
	m->input_scale = 0;
	EXPECT_EQ(-EINVAL, csa_pack_model(m, NULL, &r));
	m->input_scale = 1.0f / 127;
	m->input_zero_point = 3;
	EXPECT_EQ(-EINVAL, csa_pack_model(m, NULL, &r));
	EXPECT_NE(NULL, strstr(csa_last_error(), "zero point")) TH_LOG("%s", csa_last_error());
	csa_fmodel_free(m);
}

TEST(batchnorm_fold)
{
	float w[2 * 2] = { 1, 2, 3, 4 }, b[2] = { 0.5f, -1 }, mean[2] = { 1, 0 }, var[2] = { 3, 0 };
	struct csa_fmodel_layer l = {
		.type = CSA_MODEL_LAYER_LINEAR, .in_c = 2, .in_h = 1, .in_w = 1, .out_c = 2,
		.out_h = 1, .out_w = 1, .weight = w, .bias = b, .bn_eps = 1,
	};

	l.bn_mean = malloc(sizeof(mean));
	l.bn_var = malloc(sizeof(var));
	memcpy(l.bn_mean, mean, sizeof(mean));
	memcpy(l.bn_var, var, sizeof(var));
	ASSERT_EQ(0, csa_fold_batchnorm(&l));
	EXPECT_CLOSE(0.5, w[0]) TH_LOG("1 / sqrt(3 + 1)");
	EXPECT_CLOSE(1.0, w[1]);
	EXPECT_CLOSE(3.0, w[2]) TH_LOG("var 0 + eps 1: unchanged");
	EXPECT_CLOSE(-0.25, b[0]) TH_LOG("(0.5 - 1) / 2");
	EXPECT_CLOSE(-1.0, b[1]);
	EXPECT_EQ(NULL, l.bn_mean) TH_LOG("folded: no batch-norm left");
}

/*
 * Affine batch-norm folded into a conv layer against the float reference
 * gamma (w.x + b - mean) / sqrt(var + eps) + beta, on random inputs; gamma
 * of both signs and 0.
 */
TEST(affine_batchnorm_fold_matches_float_reference)
{
	enum { OUT = 6, COLS = 2 * 3 * 3, INPUTS = 50 };
	struct csa_fmodel_layer l = {
		.type = CSA_MODEL_LAYER_CONV2D, .in_c = 2, .in_h = 5, .in_w = 5, .out_c = OUT,
		.out_h = 3, .out_w = 3, .kernel = 3, .stride = 1, .bn_eps = 1e-3f,
	};
	float *w0, *b0, *x;

	tm_rng = 99;
	l.weight = tm_floats((size_t)OUT * COLS, -1, 1);
	l.bias = tm_floats(OUT, -0.5f, 0.5f);
	l.bn_mean = tm_floats(OUT, -1, 1);
	l.bn_var = tm_floats(OUT, 0.1f, 3);
	l.bn_weight = tm_floats(OUT, -2, 2);
	l.bn_bias = tm_floats(OUT, -1, 1);
	l.bn_weight[2] = 0;
	l.bn_weight[3] = -fabsf(l.bn_weight[3]) - 0.5f;
	w0 = malloc((size_t)OUT * COLS * sizeof(float));
	b0 = malloc(OUT * sizeof(float));
	memcpy(w0, l.weight, (size_t)OUT * COLS * sizeof(float));
	memcpy(b0, l.bias, OUT * sizeof(float));
	x = tm_floats((size_t)INPUTS * COLS, -2, 2);
	{
		float mean[OUT], var[OUT], gamma[OUT], beta[OUT];

		memcpy(mean, l.bn_mean, sizeof(mean));
		memcpy(var, l.bn_var, sizeof(var));
		memcpy(gamma, l.bn_weight, sizeof(gamma));
		memcpy(beta, l.bn_bias, sizeof(beta));
		ASSERT_EQ(0, csa_fold_batchnorm(&l)) TH_LOG("%s", csa_last_error());
		EXPECT_EQ(NULL, l.bn_weight) TH_LOG("folded: gamma consumed");
		EXPECT_EQ(NULL, l.bn_bias);
		for (int n = 0; n < INPUTS; n++) {
			for (int u = 0; u < OUT; u++) {
				double ref = b0[u], got = l.bias[u];

				for (int i = 0; i < COLS; i++) {
					ref += (double)w0[u * COLS + i] * x[n * COLS + i];
					got += (double)l.weight[u * COLS + i] * x[n * COLS + i];
				}
				ref = gamma[u] * (ref - mean[u]) / sqrt((double)var[u] + l.bn_eps) + beta[u];
				EXPECT_TRUE(fabs(ref - got) <= 1e-5 * (1 + fabs(ref)))
					TH_LOG("input %d unit %d: folded %.7g, float BN %.7g", n, u, got, ref);
			}
		}
		EXPECT_CLOSE(beta[2], l.bias[2]) TH_LOG("gamma 0: the unit is its beta");
	}
	free(l.weight);
	free(l.bias);
	free(w0);
	free(b0);
	free(x);
}

TEST(affine_batchnorm_needs_gamma_and_beta)
{
	float w[2] = { 1, 2 }, b[1] = { 0 };
	struct csa_fmodel_layer l = {
		.type = CSA_MODEL_LAYER_LINEAR, .in_c = 2, .in_h = 1, .in_w = 1, .out_c = 1,
		.out_h = 1, .out_w = 1, .weight = w, .bias = b, .bn_eps = 1,
	};

	l.bn_mean = calloc(1, sizeof(float));
	l.bn_var = calloc(1, sizeof(float));
	l.bn_weight = calloc(1, sizeof(float));
	EXPECT_EQ(-EINVAL, csa_fold_batchnorm(&l));
	EXPECT_NE(NULL, strstr(csa_last_error(), "beta")) TH_LOG("%s", csa_last_error());
	EXPECT_CLOSE(1.0, w[0]) TH_LOG("nothing folded on error");
	free(l.bn_mean);
	free(l.bn_var);
	free(l.bn_weight);
}

/* gamma = 0 zeroes a unit's folded weights; its mask still owns its positions. */
TEST(affine_batchnorm_zero_gamma_keeps_the_mask)
{
	struct csa_fmodel *m = tm_model();
	struct csa_fmodel_layer *l = &m->layers[0];
	struct csa_pack_result r;

	l->bn_weight = tm_floats(l->out_c, 0.5f, 1.5f);
	l->bn_bias = tm_floats(l->out_c, -0.2f, 0.2f);
	l->bn_weight[1] = 0;
	ASSERT_EQ(0, csa_pack_model(m, NULL, &r)) TH_LOG("%s", csa_last_error());
	EXPECT_TRUE(r.layers[0].exact) TH_LOG("the unfolded masks are still complementary");
	EXPECT_CLOSE(1.0, r.layers[0].efficiency);
	EXPECT_EQ(1u, r.layers[0].zero_rows) TH_LOG("unit 1 folds to zero weights");
	csa_pack_result_free(&r);
	csa_fmodel_free(m);
}

/* Two linear layers, inputs on the int8 grid; act_max and density by hand. */
static struct csa_fmodel *calib_model(bool local)
{
	struct csa_fmodel *m = calloc(1, sizeof(*m));
	struct csa_fmodel_layer *l;

	m->input_scale = 1.0f / 127;
	m->num_layers = 2;
	m->layers = calloc(2, sizeof(*m->layers));
	l = &m->layers[0];
	snprintf(l->name, sizeof(l->name), "first");
	l->k = 1, l->kwta_k = 1;
	l->boost = malloc(3 * sizeof(float));
	if (!local) {	/* linear 2 -> 2, boost 1 and 0.25 */
		m->in_c = 2, m->in_h = m->in_w = 1;
		l->type = CSA_MODEL_LAYER_LINEAR;
		l->in_c = 2, l->in_h = l->in_w = 1, l->out_c = 2, l->out_h = l->out_w = 1;
		l->weight = calloc(4, sizeof(float));
		l->weight[0] = 1, l->weight[3] = 2;
		l->boost[0] = 1, l->boost[1] = 0.25f;
	} else {	/* conv 1x1, 1 -> 3 channels on 1x2x1, local k-WTA */
		m->in_c = 1, m->in_h = 2, m->in_w = 1;
		l->type = CSA_MODEL_LAYER_CONV2D;
		l->in_c = 1, l->in_h = 2, l->in_w = 1, l->out_c = 3, l->out_h = 2, l->out_w = 1;
		l->kernel = 1, l->stride = 1, l->kwta_local = true;
		l->weight = malloc(3 * sizeof(float));
		l->weight[0] = 1, l->weight[1] = 2, l->weight[2] = 3;
		l->boost[0] = l->boost[1] = l->boost[2] = 1;
	}
	l = &m->layers[1];
	snprintf(l->name, sizeof(l->name), "second");
	l->type = CSA_MODEL_LAYER_LINEAR;
	l->in_c = local ? 6 : 2, l->in_h = l->in_w = 1, l->out_c = 1, l->out_h = l->out_w = 1;
	l->k = 1;
	l->weight = malloc(l->in_c * sizeof(float));
	l->bias = malloc(sizeof(float));
	for (uint32_t i = 0; i < l->in_c; i++)
		l->weight[i] = 1;
	if (!local)
		l->weight[0] = 3, l->weight[1] = -5;
	l->bias[0] = local ? 0 : -4;
	return m;
}

TEST(calibration_by_hand)
{
	/* linear: x1 = (1, 100/127): first (1, 1.575), boosted (1, 0.394): unit 0 wins,
	 * second 3 - 4 = -1; x2 = (-1, 0): first (-1, 0), unit 1 wins (0), second -4 */
	float x[4] = { 1, 100.0f / 127, -1, 0 };
	/* local: positions (1, -1): channels (1, 2, 3) and (-1, -2, -3); winners 3 and -1 */
	float xl[2] = { 1, -1 };
	struct csa_fmodel *m = calib_model(false);

	ASSERT_EQ(0, csa_fmodel_calibrate(m, x, 2)) TH_LOG("%s", csa_last_error());
	EXPECT_TRUE(fabsf(m->layers[0].act_max - 200.0f / 127) < 1e-5f)
		TH_LOG("first: largest output before k-WTA %g, want %g", m->layers[0].act_max,
		       200.0 / 127);
	EXPECT_TRUE(fabsf(m->layers[1].act_max - 4) < 1e-5f)
		TH_LOG("second (no k-WTA): largest magnitude %g, want 4", m->layers[1].act_max);
	EXPECT_TRUE(fabsf(m->layers[0].in_density - 0.75f) < 1e-6f) TH_LOG("%g", m->layers[0].in_density);
	EXPECT_TRUE(fabsf(m->layers[1].in_density - 0.25f) < 1e-6f) TH_LOG("%g", m->layers[1].in_density);
	csa_fmodel_free(m);

	m = calib_model(true);
	ASSERT_EQ(0, csa_fmodel_calibrate(m, xl, 1)) TH_LOG("%s", csa_last_error());
	EXPECT_TRUE(fabsf(m->layers[0].act_max - 3) < 1e-5f) TH_LOG("%g", m->layers[0].act_max);
	EXPECT_TRUE(fabsf(m->layers[1].act_max - 2) < 1e-5f)
		TH_LOG("local k-WTA keeps 3 and -1: sum 2, got %g (global would keep only 3)",
		       m->layers[1].act_max);
	EXPECT_TRUE(fabsf(m->layers[1].in_density - 2.0f / 6) < 1e-6f) TH_LOG("%g", m->layers[1].in_density);
	csa_fmodel_free(m);
}

TEST(calibration_inputs_off_the_grid_are_quantised)
{
	/* 0.3 / (1/127) = 38.1 -> 38: the card sees 38/127 */
	float x[2] = { 0.3f, 0 };
	struct csa_fmodel *m = calib_model(false);

	ASSERT_EQ(0, csa_fmodel_calibrate(m, x, 1)) TH_LOG("%s", csa_last_error());
	EXPECT_TRUE(fabsf(m->layers[0].act_max - 38.0f / 127) < 1e-6f) TH_LOG("%g", m->layers[0].act_max);
	csa_fmodel_free(m);
}

TEST(calibration_rejects_unusable_ranges)
{
	float x[2] = { -1, 0 };	/* first layer (-1, 0): largest output 0 */
	struct csa_fmodel *m = calib_model(false);

	EXPECT_EQ(-EINVAL, csa_fmodel_calibrate(m, x, 0));
	EXPECT_NE(NULL, strstr(csa_last_error(), "no calibration inputs")) TH_LOG("%s", csa_last_error());
	EXPECT_EQ(-EINVAL, csa_fmodel_calibrate(m, x, 1));
	EXPECT_NE(NULL, strstr(csa_last_error(), "layer 0 (first)")) TH_LOG("%s", csa_last_error());
	EXPECT_NE(NULL, strstr(csa_last_error(), "not positive")) TH_LOG("%s", csa_last_error());
	csa_fmodel_free(m);
}

TEST_HARNESS_MAIN
