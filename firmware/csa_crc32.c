// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * IEEE 802.3 CRC32 (reflected polynomial 0xedb88320), the variant zlib's
 * crc32() computes.  Bitwise with a nibble table: small, no init step and
 * no static state, so it is safe to share between threads and the card.
 */
#include "csa_fw_image.h"

static const uint32_t csa_crc32_nibble[16] = {
	0x00000000u, 0x1db71064u, 0x3b6e20c8u, 0x26d930acu,
	0x76dc4190u, 0x6b6b51f4u, 0x4db26158u, 0x5005713cu,
	0xedb88320u, 0xf00f9344u, 0xd6d6a3e8u, 0xcb61b38cu,
	0x9b64c2b0u, 0x86d3d2d4u, 0xa00ae278u, 0xbdbdf21cu,
};

uint32_t csa_crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		crc = (crc >> 4) ^ csa_crc32_nibble[crc & 0xf];
		crc = (crc >> 4) ^ csa_crc32_nibble[crc & 0xf];
	}
	return ~crc;
}
