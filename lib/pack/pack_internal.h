/* SPDX-License-Identifier: MIT */
/*
 * Internals of the packer (lib/pack/): the safetensors reader and small
 * helpers shared by its files.  Hidden from libcsa.so like lib/internal.h.
 */
#ifndef CSA_PACK_INTERNAL_H
#define CSA_PACK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "csa/pack.h"

/* Largest tensor file the reader accepts (after decompression). */
#define CSA_ST_MAX_SIZE		(512ull << 20)
/* Largest safetensors JSON header. */
#define CSA_ST_MAX_HEADER	(1u << 20)

/* safetensors.c: a safetensors file in memory (plain or gzip-compressed). */
struct csa_safetensors {
	uint8_t *data;
	size_t size;
	void *header;		/* json_t * of the JSON header */
	size_t data_start;	/* first byte of the tensor data */
	char path[256];
};

int csa_st_open(const char *path, struct csa_safetensors *st);
void csa_st_close(struct csa_safetensors *st);
/*
 * Tensor @name as floats (F16 or F32), its shape exactly @shape[@ndim];
 * *out is malloc()ed.  Non-finite values are rejected.
 */
int csa_st_get_float(const struct csa_safetensors *st, const char *name,
		     const uint32_t *shape, unsigned int ndim, float **out);

/*
 * Raw little-endian data of tensor @name, which must have dtype @dtype
 * ("I8", "I32", "F32", ...) and *numel elements of @elem_size bytes;
 * *numel receives the element count.  Points into @st.
 */
int csa_st_get_raw(const struct csa_safetensors *st, const char *name, const char *dtype,
		   size_t elem_size, const void **data, uint64_t *numel);

/*
 * fmodel_schema.c: every key of the JSON object @object (a json_t *) is one
 * of the NULL-terminated @known; otherwise -EINVAL naming @where, the key
 * and the nearest known key.
 */
int csa_json_check_keys(void *object, const char *const *known, const char *where);

/*
 * fmodel.c: a layer with its own copies of every array (weight, bias,
 * batch-norm, boost), and freeing them (the struct itself is the caller's).
 */
int csa_fmodel_layer_copy(struct csa_fmodel_layer *dst, const struct csa_fmodel_layer *src);
void csa_fmodel_layer_release(struct csa_fmodel_layer *layer);

/* grouping.c: csa_group_units() without the exact (consecutive) path. */
int csa_group_units_greedy(const int8_t *w, uint32_t units, uint32_t cols, uint32_t k,
			   struct csa_grouping *g);

/*
 * container.c: assemble a .csa file: @hdr (sizes, offsets and CRC are
 * filled in here), @num_layers table entries (blob_off, blob_size filled
 * in) and the packed layers.  *datap is 64-byte aligned (free()).
 */
int csa_model_assemble(const struct csa_model_hdr *hdr, const struct csa_model_layer *layers,
		       void *const *blobs, const size_t *blob_sizes, uint32_t num_layers,
		       void **datap, size_t *sizep);

/*
 * container.c: CRC32 (zlib's crc32) of a whole .csa file of @size >=
 * CSA_MODEL_HDR_SIZE bytes, its crc32 field taken as zero.
 */
uint32_t csa_model_crc(const void *data, size_t size);

/* f16.c: IEEE 754 binary16 bits to float. */
float csa_f16_to_float(uint16_t h);

#endif /* CSA_PACK_INTERNAL_H */
