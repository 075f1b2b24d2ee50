// SPDX-License-Identifier: MIT
/*
 * The export JSON's schema (lib/pack/fmodel_schema.c, docs/model-format.md):
 * unknown and misspelt keys in every object are errors naming the object,
 * the key and the key it likely meant; affine batch-norm is read (gamma and
 * beta both required, only with "affine": true) and folds to the float
 * model's outputs.  Each case writes a tiny export (JSON + safetensors)
 * into a temporary directory.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "csa/pack.h"

/* linear 4 -> 2 with bias, BN running stats and affine parameters */
static const float fc_weight[8] = { 0.5f, -1, 0, 0, 0, 0, 2, -0.25f };
static const float fc_bias[2] = { 0.1f, -0.2f };
static const float bn_mean[2] = { 0.3f, -0.5f }, bn_var[2] = { 0.8f, 2.5f };
static const float bn_gamma[2] = { 1.5f, -0.7f }, bn_beta[2] = { 0.25f, 1 };

static const struct tensor {
	const char *name;
	const float *data;
	unsigned int rows, cols;	/* cols 0: a vector of rows */
} tensors[] = {
	{ "fc.weight", fc_weight, 2, 4 }, { "fc.bias", fc_bias, 2, 0 },
	{ "bn.mean", bn_mean, 2, 0 }, { "bn.var", bn_var, 2, 0 },
	{ "bn.gamma", bn_gamma, 2, 0 }, { "bn.beta", bn_beta, 2, 0 },
};

static void write_safetensors(const char *path)
{
	char header[1024];
	size_t len = 0, off = 0;
	uint64_t hlen;
	FILE *f = fopen(path, "wb");

	len += (size_t)snprintf(header + len, sizeof(header) - len, "{");
	for (size_t i = 0; i < sizeof(tensors) / sizeof(tensors[0]); i++) {
		const struct tensor *t = &tensors[i];
		size_t n = t->rows * (t->cols ? t->cols : 1) * sizeof(float);

		if (t->cols)
			len += (size_t)snprintf(header + len, sizeof(header) - len,
				"%s\"%s\":{\"dtype\":\"F32\",\"shape\":[%u,%u],\"data_offsets\":[%zu,%zu]}",
				i ? "," : "", t->name, t->rows, t->cols, off, off + n);
		else
			len += (size_t)snprintf(header + len, sizeof(header) - len,
				"%s\"%s\":{\"dtype\":\"F32\",\"shape\":[%u],\"data_offsets\":[%zu,%zu]}",
				i ? "," : "", t->name, t->rows, off, off + n);
		off += n;
	}
	len += (size_t)snprintf(header + len, sizeof(header) - len, "}");
	while (len % 8)
		header[len++] = ' ';
	hlen = len;
	fwrite(&hlen, 8, 1, f);	/* little endian host */
	fwrite(header, 1, len, f);
	for (size_t i = 0; i < sizeof(tensors) / sizeof(tensors[0]); i++)
		fwrite(tensors[i].data, sizeof(float),
		       tensors[i].rows * (tensors[i].cols ? tensors[i].cols : 1), f);
	fclose(f);
}

/*
 * A valid export with affine BN.  %s slots, in order: a root key, an input
 * key, a layer key, a batchnorm key, a kwta key (each "" or ", \"key\": v"),
 * and the batchnorm's affine part.
 */
#define EXPORT_FMT \
	"{\"format\": \"csa-model-export\", \"version\": 1, \"network\": \"tiny\", " \
	"\"tensors\": \"t.safetensors\"%s, " \
	"\"input\": {\"shape\": [4], \"scale\": 0.01%s}, " \
	"\"layers\": [{\"name\": \"fc\", \"type\": \"linear\", \"in_shape\": [4], " \
	"\"out_shape\": [2], \"K\": 2, \"weight\": \"fc.weight\", \"bias\": \"fc.bias\", " \
	"\"act_max\": 4%s, " \
	"\"batchnorm\": {\"mean\": \"bn.mean\", \"var\": \"bn.var\", \"eps\": 0.001%s%s}, " \
	"\"kwta\": {\"k\": 1%s}}]}"
#define AFFINE ", \"affine\": true, \"weight\": \"bn.gamma\", \"bias\": \"bn.beta\""

FIXTURE(export) {
	char dir[64];
	char json[96];
};

FIXTURE_SETUP(export)
{
	char st[96];

	snprintf(self->dir, sizeof(self->dir), "/tmp/csa-schema-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(st, sizeof(st), "%s/t.safetensors", self->dir);
	snprintf(self->json, sizeof(self->json), "%s/model.json", self->dir);
	write_safetensors(st);
}

FIXTURE_TEARDOWN(export)
{
	char st[96];

	snprintf(st, sizeof(st), "%s/t.safetensors", self->dir);
	unlink(st);
	unlink(self->json);
	rmdir(self->dir);
}

static int load(const char *path, const char *root, const char *input, const char *layer,
		const char *bn, const char *affine, const char *kwta, struct csa_fmodel **m)
{
	FILE *f = fopen(path, "w");

	fprintf(f, EXPORT_FMT, root, input, layer, bn, affine, kwta);
	fclose(f);
	*m = NULL;
	return csa_fmodel_load(path, m);
}

TEST_F(export, affine_batchnorm_loads_and_folds_to_the_float_model)
{
	static const float x[3][4] = { { 1, 2, 3, 4 }, { -1, 0.5f, 0, 2 }, { 0, 0, 0, 0 } };
	struct csa_fmodel *m;
	struct csa_fmodel_layer *l;

	ASSERT_EQ(0, load(self->json, "", "", "", "", AFFINE, "", &m)) TH_LOG("%s", csa_last_error());
	l = &m->layers[0];
	ASSERT_NE(NULL, l->bn_weight);
	ASSERT_NE(NULL, l->bn_bias);
	ASSERT_EQ(0, csa_fold_batchnorm(l)) TH_LOG("%s", csa_last_error());
	for (int n = 0; n < 3; n++)
		for (int u = 0; u < 2; u++) {
			double ref = fc_bias[u], got = l->bias[u];

			for (int i = 0; i < 4; i++) {
				ref += (double)fc_weight[u * 4 + i] * x[n][i];
				got += (double)l->weight[u * 4 + i] * x[n][i];
			}
			ref = bn_gamma[u] * (ref - bn_mean[u]) / sqrt(bn_var[u] + 0.001) + bn_beta[u];
			EXPECT_TRUE(fabs(ref - got) < 1e-5) TH_LOG("input %d unit %d: %g vs %g",
								   n, u, got, ref);
		}
	csa_fmodel_free(m);
	/* without affine: no gamma/beta */
	ASSERT_EQ(0, load(self->json, "", "", "", "", ", \"affine\": false", "", &m))
		TH_LOG("%s", csa_last_error());
	EXPECT_EQ(NULL, m->layers[0].bn_weight);
	csa_fmodel_free(m);
	ASSERT_EQ(0, load(self->json, "", "", "", "", "", "", &m)) TH_LOG("affine may be left out");
	csa_fmodel_free(m);
}

TEST_F(export, unknown_and_misspelt_keys_are_errors)
{
	static const struct {
		const char *slot[6];	/* root, input, layer, bn, affine, kwta */
		const char *expect[3];	/* all in the message */
	} cases[] = {
		{ { ", \"layer\": []", "", "", "", "", "" },
		  { "model.json", "unknown key \"layer\"", "did you mean \"layers\"" } },
		{ { ", \"calibrate\": {}", "", "", "", "", "" },
		  { "model.json", "\"calibrate\"", "\"calibration\"" } },
		{ { "", ", \"scal\": 1", "", "", "", "" }, { "input", "\"scal\"", "\"scale\"" } },
		{ { "", "", ", \"batch_norm\": {}", "", "", "" },
		  { "layer 0 (fc)", "unknown key \"batch_norm\"", "did you mean \"batchnorm\"" } },
		{ { "", "", ", \"max_pool\": 2", "", "", "" }, { "layer 0 (fc)", "\"max_pool\"", "\"maxpool\"" } },
		{ { "", "", ", \"Kwta\": {}", "", "", "" }, { "layer 0 (fc)", "\"Kwta\"", "\"kwta\"" } },
		{ { "", "", ", \"frobnicate\": 1", "", "", "" }, { "layer 0 (fc)", "\"frobnicate\"", "" } },
		{ { "", "", "", ", \"epsilon\": 1e-5", "", "" },
		  { "layer 0 (fc): batchnorm", "\"epsilon\"", "" } },
		{ { "", "", "", ", \"gamma\": \"bn.gamma\"", AFFINE, "" },
		  { "layer 0 (fc): batchnorm", "\"gamma\"", "" } },
		{ { "", "", "", "", ", \"afine\": true", "" },
		  { "batchnorm", "\"afine\"", "did you mean \"affine\"" } },
		{ { "", "", "", "", "", ", \"scop\": \"local\"" }, { "layer 0 (fc): kwta", "\"scop\"", "\"scope\"" } },
	};
	struct csa_fmodel *m;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *s = cases[i].slot;

		EXPECT_EQ(-EINVAL, load(self->json, s[0], s[1], s[2], s[3], s[4], s[5], &m))
			TH_LOG("case %zu accepted", i);
		EXPECT_EQ(NULL, m);
		for (int j = 0; j < 3; j++) {
			const char *want = cases[i].expect[j];

			EXPECT_NE(NULL, strstr(csa_last_error(), want))
				TH_LOG("case %zu: \"%s\" lacks \"%s\"", i, csa_last_error(), want);
		}
		csa_fmodel_free(m);
	}
}

TEST_F(export, batchnorm_affine_parameters_are_consistent)
{
	static const struct {
		const char *affine, *expect;
	} cases[] = {
		{ ", \"affine\": true", "missing tensor name \"weight\"" },
		{ ", \"affine\": true, \"weight\": \"bn.gamma\"", "missing tensor name \"bias\"" },
		{ ", \"weight\": \"bn.gamma\", \"bias\": \"bn.beta\"", "\"affine\" is not true" },
		{ ", \"affine\": false, \"bias\": \"bn.beta\"", "\"affine\" is not true" },
		{ ", \"affine\": 1", "must be true or false" },
		{ ", \"affine\": true, \"weight\": \"fc.weight\", \"bias\": \"bn.beta\"", "fc.weight" },
		{ ", \"affine\": true, \"weight\": \"bn.gamma\", \"bias\": \"nope\"", "nope" },
	};
	struct csa_fmodel *m;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EXPECT_EQ(-EINVAL, load(self->json, "", "", "", "", cases[i].affine, "", &m))
			TH_LOG("case %zu accepted", i);
		EXPECT_NE(NULL, strstr(csa_last_error(), cases[i].expect))
			TH_LOG("case %zu: \"%s\" lacks \"%s\"", i, csa_last_error(), cases[i].expect);
		csa_fmodel_free(m);
	}
}

TEST_F(export, conv_keys_on_a_linear_layer_and_flatten)
{
	static const struct {
		const char *layer, *expect;
	} cases[] = {
		{ ", \"kernel\": [1, 1]", "\"kernel\" is for conv2d layers only" },
		{ ", \"padding\": 0", "\"padding\" is for conv2d layers only" },
		{ ", \"flatten\": \"hwc\"", "\"flatten\" must be \"chw\"" },
	};
	struct csa_fmodel *m;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EXPECT_EQ(-EINVAL, load(self->json, "", "", cases[i].layer, "", "", "", &m))
			TH_LOG("case %zu accepted", i);
		EXPECT_NE(NULL, strstr(csa_last_error(), cases[i].expect))
			TH_LOG("case %zu: \"%s\" lacks \"%s\"", i, csa_last_error(), cases[i].expect);
		csa_fmodel_free(m);
	}
	ASSERT_EQ(0, load(self->json, "", "", ", \"flatten\": \"chw\"", "", "", "", &m))
		TH_LOG("%s", csa_last_error());
	csa_fmodel_free(m);
}

TEST_HARNESS_MAIN
