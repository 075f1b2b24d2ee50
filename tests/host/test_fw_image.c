// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Host unit test of the firmware image container (firmware/csa_crc32.c,
 * firmware/csa_fw_image.c) and of the csa-mkfw builder's output.
 * CSA_MKFW_PATH is the builder binary (set by firmware/firmware.mk).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "kselftest_harness.h"

#include "csa_fw_image.h"

#define PAYLOAD_SIZE 1000
#define IMAGE_SIZE (CSA_FW_HEADER_SIZE + PAYLOAD_SIZE)

/* Field offsets of struct csa_fw_header, for targeted corruption. */
#define OFF_MAGIC 0
#define OFF_FORMAT 4
#define OFF_HEADER_SIZE 6
#define OFF_ABI 12
#define OFF_PAYLOAD_SIZE 16
#define OFF_FLAGS 24
#define OFF_RESERVED 28

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* An image with a pseudo-random payload, laid out at an odd address. */
FIXTURE(image) {
	uint8_t storage[IMAGE_SIZE + 1];
	uint8_t *img;
};

FIXTURE_SETUP(image)
{
	uint8_t *payload;

	self->img = self->storage + 1;	/* the verifier must not need alignment */
	payload = self->img + CSA_FW_HEADER_SIZE;
	srand(42);
	for (int i = 0; i < PAYLOAD_SIZE; i++)
		payload[i] = (uint8_t)rand();
	csa_fw_header_write(self->img, 0x010203, CSA_FW_ABI_VERSION, payload,
			    PAYLOAD_SIZE);
}

FIXTURE_TEARDOWN(image)
{
}

TEST(crc32_matches_zlib)
{
	static uint8_t buf[4096];

	srand(1);
	for (int round = 0; round < 200; round++) {
		size_t len = (size_t)rand() % sizeof(buf);

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rand();
		ASSERT_EQ(crc32(0, buf, (uInt)len), csa_crc32(0, buf, len))
			TH_LOG("round %d, %zu bytes", round, len);
	}
	/* chained calls equal one call, as with zlib */
	ASSERT_EQ(crc32(0, buf, 4096),
		  csa_crc32(csa_crc32(0, buf, 1000), buf + 1000, 3096));
	/* the standard check value */
	ASSERT_EQ(0xcbf43926u, csa_crc32(0, "123456789", 9));
	ASSERT_EQ(0u, csa_crc32(0, NULL, 0));
}

TEST_F(image, valid_image_verifies)
{
	struct csa_fw_image_info info;

	ASSERT_EQ(CSA_FW_ERR_NONE,
		  csa_fw_image_check(self->img, IMAGE_SIZE, CSA_FW_ABI_VERSION,
				     &info));
	EXPECT_EQ(0x010203u, info.fw_version);
	EXPECT_EQ((uint32_t)CSA_FW_ABI_VERSION, info.abi_version);
	EXPECT_EQ((uint32_t)PAYLOAD_SIZE, info.payload_size);
	EXPECT_EQ(self->img + CSA_FW_HEADER_SIZE, info.payload);
	EXPECT_EQ(csa_crc32(0, info.payload, PAYLOAD_SIZE), info.payload_crc32);
	/* info is optional */
	EXPECT_EQ(CSA_FW_ERR_NONE,
		  csa_fw_image_check(self->img, IMAGE_SIZE, CSA_FW_ABI_VERSION,
				     NULL));
}

TEST_F(image, truncated_is_size_error)
{
	EXPECT_EQ(CSA_FW_ERR_SIZE, csa_fw_image_check(self->img, IMAGE_SIZE - 1,
						      CSA_FW_ABI_VERSION, NULL));
	EXPECT_EQ(CSA_FW_ERR_SIZE,
		  csa_fw_image_check(self->img, CSA_FW_HEADER_SIZE - 1,
				     CSA_FW_ABI_VERSION, NULL));
	EXPECT_EQ(CSA_FW_ERR_SIZE,
		  csa_fw_image_check(self->img, 0, CSA_FW_ABI_VERSION, NULL));
	EXPECT_EQ(CSA_FW_ERR_SIZE,
		  csa_fw_image_check(NULL, IMAGE_SIZE, CSA_FW_ABI_VERSION, NULL));
}

TEST_F(image, oversize_is_size_error)
{
	/* trailing bytes after the payload */
	EXPECT_EQ(CSA_FW_ERR_SIZE, csa_fw_image_check(self->img, IMAGE_SIZE + 1,
						      CSA_FW_ABI_VERSION, NULL));
	/* larger than any image the card takes, even if self-consistent */
	put_le32(self->img + OFF_PAYLOAD_SIZE,
		 CSA_FW_MAX_SIZE + 1 - CSA_FW_HEADER_SIZE);
	EXPECT_EQ(CSA_FW_ERR_SIZE,
		  csa_fw_image_check(self->img, CSA_FW_MAX_SIZE + 1,
				     CSA_FW_ABI_VERSION, NULL));
	/* a payload_size that would wrap 32-bit arithmetic */
	put_le32(self->img + OFF_PAYLOAD_SIZE, 0xffffffffu);
	EXPECT_EQ(CSA_FW_ERR_SIZE, csa_fw_image_check(self->img, IMAGE_SIZE,
						      CSA_FW_ABI_VERSION, NULL));
}

TEST_F(image, bad_magic)
{
	self->img[OFF_MAGIC] ^= 0x20;
	EXPECT_EQ(CSA_FW_ERR_MAGIC, csa_fw_image_check(self->img, IMAGE_SIZE,
						       CSA_FW_ABI_VERSION, NULL));
}

TEST_F(image, unknown_format)
{
	self->img[OFF_FORMAT] = CSA_FW_FORMAT_VERSION + 1;
	EXPECT_EQ(CSA_FW_ERR_FORMAT, csa_fw_image_check(self->img, IMAGE_SIZE,
							CSA_FW_ABI_VERSION, NULL));
}

TEST_F(image, wrong_header_size_is_format_error)
{
	self->img[OFF_HEADER_SIZE] = CSA_FW_HEADER_SIZE + 4;
	EXPECT_EQ(CSA_FW_ERR_FORMAT, csa_fw_image_check(self->img, IMAGE_SIZE,
							CSA_FW_ABI_VERSION, NULL));
}

TEST_F(image, nonzero_flags)
{
	self->img[OFF_FLAGS + 3] = 0x80;
	EXPECT_EQ(CSA_FW_ERR_HEADER, csa_fw_image_check(self->img, IMAGE_SIZE,
							CSA_FW_ABI_VERSION, NULL));
}

TEST_F(image, nonzero_reserved)
{
	/* every reserved byte is checked, first to last */
	for (int off = OFF_RESERVED; off < CSA_FW_HEADER_SIZE; off++) {
		self->img[off] = 1;
		EXPECT_EQ(CSA_FW_ERR_HEADER,
			  csa_fw_image_check(self->img, IMAGE_SIZE,
					     CSA_FW_ABI_VERSION, NULL))
			TH_LOG("reserved byte at offset %d", off);
		self->img[off] = 0;
	}
}

TEST_F(image, payload_crc_mismatch)
{
	self->img[CSA_FW_HEADER_SIZE + PAYLOAD_SIZE - 1] ^= 0x01;
	EXPECT_EQ(CSA_FW_ERR_CRC, csa_fw_image_check(self->img, IMAGE_SIZE,
						     CSA_FW_ABI_VERSION, NULL));
}

TEST_F(image, unsupported_abi)
{
	struct csa_fw_image_info info;

	EXPECT_EQ(CSA_FW_ERR_ABI, csa_fw_image_check(self->img, IMAGE_SIZE,
						     CSA_FW_ABI_VERSION + 1,
						     &info));
	/* the rejected ABI is reported; the payload is not handed out */
	EXPECT_EQ((uint32_t)CSA_FW_ABI_VERSION, info.abi_version);
	EXPECT_EQ(NULL, info.payload);

	put_le32(self->img + OFF_ABI, 7);
	EXPECT_EQ(CSA_FW_ERR_ABI, csa_fw_image_check(self->img, IMAGE_SIZE,
						     CSA_FW_ABI_VERSION, NULL));
	EXPECT_EQ(CSA_FW_ERR_NONE,
		  csa_fw_image_check(self->img, IMAGE_SIZE, 7, NULL));
}

TEST(error_names)
{
	EXPECT_STREQ("crc", csa_fw_err_name(CSA_FW_ERR_CRC));
	EXPECT_STREQ("dma", csa_fw_err_name(CSA_FW_ERR_DMA));
	EXPECT_STREQ("unknown", csa_fw_err_name(99));
}

/* Run csa-mkfw with args into a temporary file; return its bytes. */
static size_t run_mkfw(const char *args, uint8_t *buf, size_t size, int *rc)
{
	char path[] = "/tmp/csa-fw-test-XXXXXX";
	char cmd[512];
	size_t len = 0;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	if (fd < 0)
		return 0;
	close(fd);
	snprintf(cmd, sizeof(cmd), "%s -o %s %s 2>/dev/null", CSA_MKFW_PATH,
		 path, args);
	*rc = system(cmd);
	f = fopen(path, "rb");
	if (f) {
		len = fread(buf, 1, size, f);
		fclose(f);
	}
	unlink(path);
	return len;
}

TEST(mkfw_output_verifies)
{
	static uint8_t buf[CSA_FW_MAX_SIZE];
	struct csa_fw_image_info info;
	size_t len;
	int rc;

	len = run_mkfw("--fw-version 2.3.4 --build-id 0123abcd", buf,
		       sizeof(buf), &rc);
	ASSERT_EQ(0, rc);
	ASSERT_EQ(CSA_FW_ERR_NONE,
		  csa_fw_image_check(buf, len, CSA_FW_ABI_VERSION, &info));
	EXPECT_EQ((2u << 16) | (3u << 8) | 4u, info.fw_version);
	/* the payload is the build-info record */
	ASSERT_EQ(len - CSA_FW_HEADER_SIZE, info.payload_size);
	buf[len] = '\0';
	EXPECT_NE(NULL, strstr((char *)info.payload, "version=2.3.4\n"));
	EXPECT_NE(NULL, strstr((char *)info.payload, "build_id=0123abcd\n"));

	len = run_mkfw("--corrupt-payload", buf, sizeof(buf), &rc);
	ASSERT_EQ(0, rc);
	EXPECT_EQ(CSA_FW_ERR_CRC,
		  csa_fw_image_check(buf, len, CSA_FW_ABI_VERSION, NULL));

	len = run_mkfw("--abi 9", buf, sizeof(buf), &rc);
	ASSERT_EQ(0, rc);
	EXPECT_EQ(CSA_FW_ERR_ABI,
		  csa_fw_image_check(buf, len, CSA_FW_ABI_VERSION, NULL));
	EXPECT_EQ(CSA_FW_ERR_NONE, csa_fw_image_check(buf, len, 9, NULL));
}

TEST(mkfw_rejects_bad_options)
{
	static uint8_t buf[256];
	int rc;

	run_mkfw("--fw-version 1.256.0", buf, sizeof(buf), &rc);
	EXPECT_NE(0, rc);
	run_mkfw("--fw-version 1.2", buf, sizeof(buf), &rc);
	EXPECT_NE(0, rc);
	run_mkfw("--abi -1", buf, sizeof(buf), &rc);
	EXPECT_NE(0, rc);
	run_mkfw("--abi 4294967296", buf, sizeof(buf), &rc);
	EXPECT_NE(0, rc);
	run_mkfw("--build-id XYZ", buf, sizeof(buf), &rc);
	EXPECT_NE(0, rc);
}

TEST_HARNESS_MAIN
