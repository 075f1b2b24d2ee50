// SPDX-License-Identifier: MIT
/*
 * .csa model files: csa_pack_model() output parses; the parser rejects
 * truncated, corrupt (any byte), oversized and structurally wrong files
 * with a clear error and without reading outside the buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "pack_internal.h"
#include "pack_test_model.h"

FIXTURE(packed) {
	struct csa_pack_result res;
	uint8_t *copy;		/* 64-byte aligned scratch of res.size bytes */
};

FIXTURE_SETUP(packed)
{
	struct csa_fmodel *m = tm_model();

	ASSERT_EQ(0, csa_pack_model(m, NULL, &self->res)) TH_LOG("%s", csa_last_error());
	csa_fmodel_free(m);
	self->copy = aligned_alloc(64, self->res.size);
	ASSERT_NE(NULL, self->copy);
}

FIXTURE_TEARDOWN(packed)
{
	csa_pack_result_free(&self->res);
	free(self->copy);
}

/* Re-seal the copy's CRC so a structural change reaches the field checks. */
static void reseal(uint8_t *data, size_t size)
{
	uint32_t crc = csa_model_crc(data, size);

	memcpy(data + offsetof(struct csa_model_hdr, crc32), &crc, 4);
}

TEST_F(packed, packer_output_parses)
{
	struct csa_model_view v;

	ASSERT_EQ(0, csa_model_parse(self->res.data, self->res.size, &v)) TH_LOG("%s", csa_last_error());
	EXPECT_EQ(3u, v.hdr->num_layers);
	EXPECT_EQ(3u, v.hdr->max_k);
	EXPECT_EQ(0u, v.hdr->file_size % CSA_MODEL_ALIGN);
	EXPECT_EQ(144u, v.hdr->max_activation) TH_LOG("conv output 4x6x6");
	for (uint32_t i = 0; i < 3; i++) {
		EXPECT_EQ(0u, v.layers[i].blob_off % CSA_MODEL_ALIGN) TH_LOG("layer %u", i);
		EXPECT_EQ(CSA_LAYER_MAGIC, csa_model_layer_blob(&v, i)->magic);
	}
	EXPECT_EQ(CSA_MODEL_LF_KWTA | CSA_MODEL_LF_BOOST | CSA_MODEL_LF_MAXPOOL |
		  CSA_MODEL_LF_BN_FOLDED, v.layers[0].flags);
	EXPECT_EQ(CSA_MODEL_LF_KWTA, v.layers[1].flags);
	EXPECT_EQ(NULL, csa_model_layer_blob(&v, 3));
}

TEST_F(packed, every_truncation_is_rejected)
{
	struct csa_model_view v;

	for (size_t len = 0; len < self->res.size; len++) {
		memcpy(self->copy, self->res.data, len);
		EXPECT_EQ(-EINVAL, csa_model_parse(self->copy, len, &v))
			TH_LOG("truncated to %zu of %zu bytes: not rejected as malformed", len,
			       self->res.size);
	}
	EXPECT_NE(NULL, strstr(csa_last_error(), "truncated")) TH_LOG("%s", csa_last_error());
}

TEST_F(packed, every_corrupt_byte_is_rejected)
{
	struct csa_model_view v;

	for (size_t i = 0; i < self->res.size; i++) {
		memcpy(self->copy, self->res.data, self->res.size);
		self->copy[i] ^= 0x5a;
		EXPECT_NE(0, csa_model_parse(self->copy, self->res.size, &v))
			TH_LOG("byte %zu flipped: not detected", i);
	}
}

TEST_F(packed, oversized_and_trailing_data)
{
	struct csa_model_view v;
	uint8_t *big = aligned_alloc(64, self->res.size + 64);

	EXPECT_EQ(-EFBIG, csa_model_parse(self->res.data, (size_t)CSA_MODEL_MAX_FILE_SIZE + 1, &v));
	memcpy(big, self->res.data, self->res.size);
	memset(big + self->res.size, 0, 64);
	EXPECT_EQ(-EINVAL, csa_model_parse(big, self->res.size + 64, &v));
	EXPECT_NE(NULL, strstr(csa_last_error(), "trailing")) TH_LOG("%s", csa_last_error());
	free(big);
}

TEST_F(packed, crc_mismatch_is_ebadmsg)
{
	struct csa_model_view v;

	memcpy(self->copy, self->res.data, self->res.size);
	self->copy[self->res.size - 1] ^= 1;	/* padding of the last blob */
	EXPECT_EQ(-EBADMSG, csa_model_parse(self->copy, self->res.size, &v));
	EXPECT_NE(NULL, strstr(csa_last_error(), "CRC")) TH_LOG("%s", csa_last_error());
}

TEST_F(packed, misaligned_buffer)
{
	struct csa_model_view v;

	EXPECT_EQ(-EINVAL, csa_model_parse(self->copy + 4, 100, &v));
}

/* Structural damage behind a valid CRC: each must fail with a message. */
TEST_F(packed, structural_damage_with_valid_crc)
{
	struct {
		const char *what;
		size_t off;
		uint32_t value;
		unsigned int width;
		const char *expect;
	} cases[] = {
		{ "magic", 0, 'X', 1, "magic" },
		{ "version", offsetof(struct csa_model_hdr, version), 2, 2, "version" },
		{ "flags", offsetof(struct csa_model_hdr, flags), 1, 4, "flags" },
		{ "no layers", offsetof(struct csa_model_hdr, num_layers), 0, 4, "layers" },
		{ "65 layers", offsetof(struct csa_model_hdr, num_layers), 65, 4, "layers" },
		{ "table misaligned", offsetof(struct csa_model_hdr, layer_table_off), 130, 4, "aligned" },
		{ "file_size", offsetof(struct csa_model_hdr, file_size), 64, 4, "header says" },
		{ "max_k", offsetof(struct csa_model_hdr, max_k), 7, 4, "max_k" },
		{ "output shape", offsetof(struct csa_model_hdr, out_c), 4, 4, "output shape" },
		{ "input scale NaN", offsetof(struct csa_model_hdr, input_scale), 0x7fc00000, 4, "scale" },
		{ "reserved", offsetof(struct csa_model_hdr, reserved), 1, 4, "reserved" },
		{ "layer type", 128 + offsetof(struct csa_model_layer, type), 9, 2, "type" },
		{ "layer flags", 128 + offsetof(struct csa_model_layer, flags), 0x80, 2, "flags" },
		{ "conv in_c", 128 + offsetof(struct csa_model_layer, in_c), 2, 4, "does not match" },
		{ "conv out_h", 128 + offsetof(struct csa_model_layer, out_h), 7, 4, "conv window" },
		{ "kwta k > numel", 128 + offsetof(struct csa_model_layer, kwta_k), 1000, 4, "k-WTA" },
		{ "pool 1", 128 + offsetof(struct csa_model_layer, pool), 1, 1, "max-pool" },
		{ "K", 128 + offsetof(struct csa_model_layer, k), 1, 4, "cannot hold" },
		{ "blob misaligned", 128 + offsetof(struct csa_model_layer, blob_off), 100, 4, "packed layer" },
		{ "blob size", 128 + offsetof(struct csa_model_layer, blob_size), 64, 4, "packed layer" },
		{ "linear features", 256 + offsetof(struct csa_model_layer, in_c), 35, 4, "features" },
		{ "blob overlap", 256 + offsetof(struct csa_model_layer, blob_off), 384, 4, "overlapping" },
		{ "layer reserved", 384 + offsetof(struct csa_model_layer, reserved), 1, 4, "reserved" },
	};
	struct csa_model_view v;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(self->copy, self->res.data, self->res.size);
		memcpy(self->copy + cases[i].off, &cases[i].value, cases[i].width);
		reseal(self->copy, self->res.size);
		EXPECT_EQ(-EINVAL, csa_model_parse(self->copy, self->res.size, &v))
			TH_LOG("%s: not rejected", cases[i].what);
		EXPECT_NE(NULL, strstr(csa_last_error(), cases[i].expect))
			TH_LOG("%s: message \"%s\" lacks \"%s\"", cases[i].what, csa_last_error(),
			       cases[i].expect);
	}
}

TEST_F(packed, damaged_blob_behind_valid_crc)
{
	struct csa_model_view v;
	const struct csa_model_layer *l = (const void *)((uint8_t *)self->res.data + 128);

	memcpy(self->copy, self->res.data, self->res.size);
	self->copy[l[1].blob_off + 22] = 1;	/* groups of fc1: too few */
	reseal(self->copy, self->res.size);
	EXPECT_EQ(-EINVAL, csa_model_parse(self->copy, self->res.size, &v));
	EXPECT_NE(NULL, strstr(csa_last_error(), "layer 1")) TH_LOG("%s", csa_last_error());
}

TEST_F(packed, write_and_read_back)
{
	char path[] = "/tmp/csa-model-XXXXXX";
	int fd = mkstemp(path);
	struct csa_model_view v;
	void *data;
	size_t size;

	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, csa_model_write_file(path, self->res.data, self->res.size)) TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_model_read_file(path, &data, &size)) TH_LOG("%s", csa_last_error());
	EXPECT_EQ(self->res.size, size);
	EXPECT_EQ(0, memcmp(data, self->res.data, size));
	EXPECT_EQ(0, csa_model_parse(data, size, &v));
	free(data);
	unlink(path);
}

TEST(read_file_errors)
{
	void *data;
	size_t size;

	EXPECT_EQ(-ENOENT, csa_model_read_file("/nonexistent/model.csa", &data, &size));
	EXPECT_EQ(-EINVAL, csa_model_read_file("/tmp", &data, &size));
	EXPECT_NE(NULL, strstr(csa_last_error(), "regular")) TH_LOG("%s", csa_last_error());
}

TEST_HARNESS_MAIN
