// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the .csa parser (csa_model_parse) and, for files it
 * accepts, the packed-layer unpacker.  Built with clang -fsanitize=fuzzer,
 * address,undefined by `make fuzz` (tests/fuzz/fuzz.mk); not part of make
 * check.
 *
 * Input: one mode byte, then the file.  Mode bit 0 set: the harness
 * recomputes the file's CRC32 first, so mutations reach the structural
 * checks behind the checksum instead of all failing it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pack_internal.h"

/* Skip unpacking layers larger than this (units x cols bytes). */
#define MAX_UNPACK (16u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csa_model_view view;
	uint8_t *file;
	bool reseal;

	if (size < 1)
		return 0;
	reseal = data[0] & 1;
	data++;
	size--;
	/* exactly the file's size: ASan catches any read past its end */
	file = malloc(size ? size : 1);
	if (!file)
		return 0;
	memcpy(file, data, size);
	if (reseal && size >= CSA_MODEL_HDR_SIZE) {
		uint32_t crc = csa_model_crc(file, size);

		memcpy(file + offsetof(struct csa_model_hdr, crc32), &crc, sizeof(crc));
	}
	if (!csa_model_parse(file, size, &view)) {
		for (uint32_t i = 0; i < view.hdr->num_layers; i++) {
			const struct csa_layer_hdr *h = csa_model_layer_blob(&view, i);
			uint64_t n = (uint64_t)h->units * h->cols;
			int8_t *w;

			if (n > MAX_UNPACK)
				continue;
			w = malloc(n);
			if (w && csa_unpack_layer(h, view.layers[i].blob_size, w))
				abort();	/* a parsed model must unpack */
			free(w);
		}
	}
	free(file);
	return 0;
}
