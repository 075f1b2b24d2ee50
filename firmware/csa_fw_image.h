/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Firmware image container: CRC32 and the verifier the card runs before it
 * accepts an image, plus the header encoder the image builder uses.
 *
 * Portable C (only <stdint.h>, <stddef.h>, <string.h>): compiled into the
 * virtual card (QEMU), libcsa and the host tools/tests.  The container
 * layout is struct csa_fw_header in csa_hw.h; fields are little endian and
 * are decoded byte by byte, never by casting the buffer.
 */
#ifndef CSA_FW_IMAGE_H
#define CSA_FW_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "csa_hw.h"

/* What a verified (or partly verified) image says about itself. */
struct csa_fw_image_info {
	uint32_t fw_version;	/* major << 16 | minor << 8 | patch */
	uint32_t abi_version;
	uint32_t payload_size;
	uint32_t payload_crc32;	/* as stored in the header */
	const uint8_t *payload;	/* points into the checked image */
};

/*
 * IEEE 802.3 CRC32, bit-compatible with zlib's crc32(): start with crc = 0,
 * feed consecutive buffers by passing the previous result.
 */
uint32_t csa_crc32(uint32_t crc, const void *buf, size_t len);

/*
 * Verify a complete image of len bytes for a card that accepts
 * supported_abi.  Returns CSA_FW_ERR_NONE or the first failing check's
 * CSA_FW_ERR_* code, in this order:
 *   SIZE    len < header, len > CSA_FW_MAX_SIZE
 *   MAGIC   magic != CSA_FW_MAGIC
 *   FORMAT  format != CSA_FW_FORMAT_VERSION, header_size != CSA_FW_HEADER_SIZE
 *   HEADER  flags or any reserved word non-zero
 *   SIZE    header_size + payload_size != len
 *   CRC     payload CRC32 mismatch
 *   ABI     abi_version != supported_abi
 * info may be NULL.  Otherwise it is zeroed, then filled from the header
 * once the magic matched (so a caller can report e.g. the rejected ABI);
 * info->payload is set only on success.
 */
int csa_fw_image_check(const void *img, size_t len, uint32_t supported_abi,
		       struct csa_fw_image_info *info);

/*
 * Write a valid CSA_FW_HEADER_SIZE-byte header for payload into out
 * (little endian, flags and reserved zero, CRC computed).
 */
void csa_fw_header_write(uint8_t out[CSA_FW_HEADER_SIZE], uint32_t fw_version,
			 uint32_t abi_version, const void *payload,
			 uint32_t payload_size);

/* Short stable name of a CSA_FW_ERR_* code ("crc", "abi", ...). */
const char *csa_fw_err_name(int err);

#endif /* CSA_FW_IMAGE_H */
