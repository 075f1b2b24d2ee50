// SPDX-License-Identifier: MIT
/*
 * The .csa container (uapi/csa_model.h): header, layer table, packed layers
 * at 64-byte aligned offsets, CRC32 over the whole file (its own field
 * taken as zero).
 * Writes little-endian fields with memcpy from the structs: libcsa runs on
 * little-endian hosts only (checked at compile time).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "internal.h"
#include "pack_internal.h"

_Static_assert(sizeof(struct csa_model_hdr) == CSA_MODEL_HDR_SIZE, "csa_model_hdr size");
_Static_assert(sizeof(struct csa_model_layer) == CSA_MODEL_LAYER_SIZE, "csa_model_layer size");
_Static_assert(sizeof(float) == 4, "IEEE binary32 floats");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "little-endian host");

static uLong crc_bytes(uLong crc, const uint8_t *p, size_t len)
{
	while (len) {
		uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;

		crc = crc32(crc, p, n);
		p += n;
		len -= n;
	}
	return crc;
}

uint32_t csa_model_crc(const void *data, size_t size)
{
	static const uint8_t zero[4];
	const uint8_t *p = data;
	size_t at = offsetof(struct csa_model_hdr, crc32);
	uLong crc = crc32(0L, Z_NULL, 0);

	crc = crc_bytes(crc, p, at);
	crc = crc_bytes(crc, zero, sizeof(zero));
	crc = crc_bytes(crc, p + at + 4, size - at - 4);
	return (uint32_t)crc;
}

int csa_model_assemble(const struct csa_model_hdr *hdr_in, const struct csa_model_layer *layers_in,
		       void *const *blobs, const size_t *blob_sizes, uint32_t num_layers,
		       void **datap, size_t *sizep)
{
	uint64_t table_off = CSA_MODEL_HDR_SIZE;
	uint64_t data_off = csa_align_up(table_off + (uint64_t)num_layers * CSA_MODEL_LAYER_SIZE,
					 CSA_MODEL_ALIGN);
	uint64_t off = data_off;
	struct csa_model_hdr hdr = *hdr_in;
	struct csa_model_layer *table;
	uint8_t *data;

	if (!num_layers || num_layers > CSA_MODEL_MAX_LAYERS)
		return csa_error(EINVAL, "%u layers (1..%d)", num_layers, CSA_MODEL_MAX_LAYERS);
	for (uint32_t i = 0; i < num_layers; i++)
		off = csa_align_up(off + blob_sizes[i], CSA_MODEL_ALIGN);
	if (off > CSA_MODEL_MAX_FILE_SIZE)
		return csa_error(EFBIG, "model of %llu bytes exceeds %llu",
				 (unsigned long long)off, CSA_MODEL_MAX_FILE_SIZE);
	data = aligned_alloc(CSA_MODEL_ALIGN, off);
	if (!data)
		return csa_error(ENOMEM, "out of memory for a %llu-byte model",
				 (unsigned long long)off);
	memset(data, 0, off);
	table = (struct csa_model_layer *)(data + table_off);
	off = data_off;
	for (uint32_t i = 0; i < num_layers; i++) {
		table[i] = layers_in[i];
		table[i].blob_off = off;
		table[i].blob_size = blob_sizes[i];
		memcpy(data + off, blobs[i], blob_sizes[i]);
		off = csa_align_up(off + blob_sizes[i], CSA_MODEL_ALIGN);
	}
	memcpy(hdr.magic, CSA_MODEL_MAGIC, CSA_MODEL_MAGIC_LEN);
	hdr.version = CSA_MODEL_VERSION;
	hdr.hdr_size = CSA_MODEL_HDR_SIZE;
	hdr.format_version = CSA_FORMAT_VERSION;
	hdr.layer_size = CSA_MODEL_LAYER_SIZE;
	hdr.num_layers = num_layers;
	hdr.file_size = off;
	hdr.layer_table_off = table_off;
	hdr.data_off = data_off;
	hdr.data_size = off - data_off;
	hdr.crc32 = 0;
	memcpy(data, &hdr, sizeof(hdr));
	hdr.crc32 = csa_model_crc(data, off);
	memcpy(data, &hdr, sizeof(hdr));
	*datap = data;
	*sizep = off;
	return 0;
}
