// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Firmware image container: verification (run by the card before it accepts
 * an image) and header encoding (used by the image builder and tests).
 */
#include <string.h>

#include "csa_fw_image.h"

/* Byte offsets of the fields of struct csa_fw_header. */
#define OFF_MAGIC		0
#define OFF_FORMAT		4
#define OFF_HEADER_SIZE		6
#define OFF_FW_VERSION		8
#define OFF_ABI_VERSION		12
#define OFF_PAYLOAD_SIZE	16
#define OFF_PAYLOAD_CRC32	20
#define OFF_FLAGS		24
#define OFF_RESERVED		28
#define NUM_RESERVED		9

/* The image may sit at any alignment in guest or file memory. */
static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	       (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

int csa_fw_image_check(const void *img, size_t len, uint32_t supported_abi,
		       struct csa_fw_image_info *info)
{
	const uint8_t *p = img;
	uint32_t payload_size;
	int i;

	if (info)
		memset(info, 0, sizeof(*info));
	if (!p || len < CSA_FW_HEADER_SIZE || len > CSA_FW_MAX_SIZE)
		return CSA_FW_ERR_SIZE;
	if (get_le32(p + OFF_MAGIC) != CSA_FW_MAGIC)
		return CSA_FW_ERR_MAGIC;

	payload_size = get_le32(p + OFF_PAYLOAD_SIZE);
	if (info) {
		info->fw_version = get_le32(p + OFF_FW_VERSION);
		info->abi_version = get_le32(p + OFF_ABI_VERSION);
		info->payload_size = payload_size;
		info->payload_crc32 = get_le32(p + OFF_PAYLOAD_CRC32);
	}

	if (get_le16(p + OFF_FORMAT) != CSA_FW_FORMAT_VERSION ||
	    get_le16(p + OFF_HEADER_SIZE) != CSA_FW_HEADER_SIZE)
		return CSA_FW_ERR_FORMAT;
	if (get_le32(p + OFF_FLAGS) != 0)
		return CSA_FW_ERR_HEADER;
	for (i = 0; i < NUM_RESERVED; i++)
		if (get_le32(p + OFF_RESERVED + 4 * i) != 0)
			return CSA_FW_ERR_HEADER;
	/* len <= CSA_FW_MAX_SIZE, so this cannot overflow */
	if (payload_size != len - CSA_FW_HEADER_SIZE)
		return CSA_FW_ERR_SIZE;
	if (csa_crc32(0, p + CSA_FW_HEADER_SIZE, payload_size) !=
	    get_le32(p + OFF_PAYLOAD_CRC32))
		return CSA_FW_ERR_CRC;
	if (get_le32(p + OFF_ABI_VERSION) != supported_abi)
		return CSA_FW_ERR_ABI;

	if (info)
		info->payload = p + CSA_FW_HEADER_SIZE;
	return CSA_FW_ERR_NONE;
}

void csa_fw_header_write(uint8_t out[CSA_FW_HEADER_SIZE], uint32_t fw_version,
			 uint32_t abi_version, const void *payload,
			 uint32_t payload_size)
{
	memset(out, 0, CSA_FW_HEADER_SIZE);
	put_le32(out + OFF_MAGIC, CSA_FW_MAGIC);
	put_le16(out + OFF_FORMAT, CSA_FW_FORMAT_VERSION);
	put_le16(out + OFF_HEADER_SIZE, CSA_FW_HEADER_SIZE);
	put_le32(out + OFF_FW_VERSION, fw_version);
	put_le32(out + OFF_ABI_VERSION, abi_version);
	put_le32(out + OFF_PAYLOAD_SIZE, payload_size);
	put_le32(out + OFF_PAYLOAD_CRC32, csa_crc32(0, payload, payload_size));
}

const char *csa_fw_err_name(int err)
{
	switch (err) {
	case CSA_FW_ERR_NONE:	return "none";
	case CSA_FW_ERR_SIZE:	return "size";
	case CSA_FW_ERR_MAGIC:	return "magic";
	case CSA_FW_ERR_FORMAT:	return "format";
	case CSA_FW_ERR_CRC:	return "crc";
	case CSA_FW_ERR_ABI:	return "abi";
	case CSA_FW_ERR_HEADER:	return "header";
	case CSA_FW_ERR_DMA:	return "dma";
	default:		return "unknown";
	}
}
