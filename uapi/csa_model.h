/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * CSA model file (.csa): a packed network as csa-pack writes it and libcsa
 * loads it.  docs/model-format.md explains every field.
 *
 *   offset 0                 struct csa_model_hdr (128 bytes)
 *   layer_table_off          num_layers x struct csa_model_layer (128 bytes)
 *   layers[i].blob_off       packed layer i, exactly the "packed layer" of
 *                            uapi/csa_format.h (struct csa_layer_hdr first):
 *                            weights, tag map, requantisation, boost
 *   file_size                end; nothing after the last blob but padding
 *
 * Every offset in the file is a multiple of CSA_MODEL_ALIGN (64), so a
 * loader can map the file (or read it into one buffer) and bind each packed
 * layer to the card as a read-only buffer range without reformatting.  All
 * multi-byte fields are little endian; reserved fields and unknown flags
 * are zero.  The CRC32 (IEEE 802.3, as zlib's crc32()) covers the whole
 * file, its own field taken as zero, so corruption anywhere in the header,
 * the table or the blobs is detected before anything is used.
 *
 * Floats are IEEE 754 binary32.  They are host-side only (converting real
 * inputs to int8 and int8 outputs back to reals); the card's arithmetic is
 * the integer one of csa_format.h.
 */
#ifndef CSA_MODEL_H
#define CSA_MODEL_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

#define CSA_MODEL_MAGIC			"CSAMODEL"	/* 8 bytes, no NUL */
#define CSA_MODEL_MAGIC_LEN		8
#define CSA_MODEL_VERSION		1
#define CSA_MODEL_HDR_SIZE		128
#define CSA_MODEL_LAYER_SIZE		128
#define CSA_MODEL_ALIGN			64
#define CSA_MODEL_MAX_LAYERS		64
#define CSA_MODEL_NAME_LEN		16
#define CSA_MODEL_LAYER_NAME_LEN	16
/* Largest file a loader accepts (1 GiB): a bound, not a format limit. */
#define CSA_MODEL_MAX_FILE_SIZE		(1ull << 30)

/**
 * struct csa_model_hdr - header of a .csa file (128 bytes)
 * @magic: CSA_MODEL_MAGIC
 * @version: CSA_MODEL_VERSION
 * @hdr_size: CSA_MODEL_HDR_SIZE
 * @format_version: CSA_FORMAT_VERSION of the packed layers
 * @layer_size: CSA_MODEL_LAYER_SIZE (size of one layer table entry)
 * @flags: 0 (none defined)
 * @num_layers: 1..CSA_MODEL_MAX_LAYERS
 * @file_size: size of the whole file in bytes
 * @layer_table_off: offset of the layer table (CSA_MODEL_HDR_SIZE in files
 *        written by csa-pack; any aligned offset is valid)
 * @data_off: offset of the first packed layer
 * @data_size: bytes from @data_off to @file_size
 * @crc32: CRC32 of the whole file (@file_size bytes) computed with this
 *        field set to zero
 * @max_k: largest pack factor K of any layer: the card's max_k must be at
 *        least this
 * @in_c: @in_h: @in_w: shape of the int8 input tensor (CHW)
 * @input_zero_point: int8 zero point of the input
 * @input_scale: real value of one input step: real = scale * (q - zero_point)
 * @out_c: @out_h: @out_w: shape of the int8 output (the last layer's)
 * @output_zero_point: int8 zero point of the output
 * @output_scale: real value of one output step
 * @max_activation: largest dense activation tensor (elements) of the
 *        network, input and output included: size of scratch buffers
 * @name: network name, NUL-padded, need not be NUL-terminated
 * @reserved: 0
 */
struct csa_model_hdr {
	uint8_t magic[CSA_MODEL_MAGIC_LEN];
	uint16_t version;
	uint16_t hdr_size;
	uint16_t format_version;
	uint16_t layer_size;
	uint32_t flags;
	uint32_t num_layers;
	uint64_t file_size;
	uint64_t layer_table_off;
	uint64_t data_off;
	uint64_t data_size;
	uint32_t crc32;
	uint32_t max_k;
	uint32_t in_c;
	uint32_t in_h;
	uint32_t in_w;
	int32_t input_zero_point;
	float input_scale;
	uint32_t out_c;
	uint32_t out_h;
	uint32_t out_w;
	int32_t output_zero_point;
	float output_scale;
	uint32_t max_activation;
	uint8_t name[CSA_MODEL_NAME_LEN];
	uint32_t reserved[1];
};

/* struct csa_model_layer.type: the job-program op that runs the layer. */
#define CSA_MODEL_LAYER_LINEAR		1	/* = CSA_PROG_OP_LINEAR */
#define CSA_MODEL_LAYER_CONV2D		2	/* = CSA_PROG_OP_CONV2D */

/* struct csa_model_layer.flags */
#define CSA_MODEL_LF_KWTA		(1u << 0)	/* a KWTA op follows the layer */
#define CSA_MODEL_LF_KWTA_LOCAL		(1u << 1)	/* ... per (y, x) across channels */
#define CSA_MODEL_LF_BOOST		(1u << 2)	/* ... with the layer's boost array */
#define CSA_MODEL_LF_MAXPOOL		(1u << 3)	/* then MAXPOOL2D pool x pool, stride pool */
#define CSA_MODEL_LF_BN_FOLDED		(1u << 4)	/* batch-norm folded into weights/requant */
#define CSA_MODEL_LF_GREEDY		(1u << 5)	/* grouping not exactly complementary */
#define CSA_MODEL_LF_ALL		0x3fu

/**
 * struct csa_model_layer - one layer table entry (128 bytes)
 * @type: CSA_MODEL_LAYER_*
 * @flags: CSA_MODEL_LF_*
 * @in_c: @in_h: @in_w: input tensor (LINEAR: the flattened CHW input)
 * @out_c: @out_h: @out_w: output of the layer op itself, before k-WTA and
 *        pooling (LINEAR: out_c x 1 x 1)
 * @kernel_h: @kernel_w: @stride_h: @stride_w: @pad_h: @pad_w: CONV2D
 *        window; 0 for LINEAR
 * @pool: max-pool window and stride with CSA_MODEL_LF_MAXPOOL, else 0
 * @reserved0: 0
 * @kwta_k: winners of the k-WTA with CSA_MODEL_LF_KWTA (global: of
 *        out_c * out_h * out_w; local: per position), else 0
 * @k: pack factor K (= the packed layer's k)
 * @groups: groups G (= the packed layer's groups)
 * @nonzeros: non-zero int8 weights of the layer
 * @blob_off: offset of the packed layer in the file
 * @blob_size: its size (= its csa_layer_hdr.total_size)
 * @in_scale: real value of one input step (zero point 0)
 * @out_scale: real value of one output step (zero point 0)
 * @name: layer name, NUL-padded
 * @reserved: 0
 *
 * The next layer's input is this layer's output after k-WTA and pooling;
 * the loader checks that the shapes chain.
 */
struct csa_model_layer {
	uint16_t type;
	uint16_t flags;
	uint32_t in_c;
	uint32_t in_h;
	uint32_t in_w;
	uint32_t out_c;
	uint32_t out_h;
	uint32_t out_w;
	uint8_t kernel_h;
	uint8_t kernel_w;
	uint8_t stride_h;
	uint8_t stride_w;
	uint8_t pad_h;
	uint8_t pad_w;
	uint8_t pool;
	uint8_t reserved0;
	uint32_t kwta_k;
	uint32_t k;
	uint32_t groups;
	uint64_t nonzeros;
	uint64_t blob_off;
	uint64_t blob_size;
	float in_scale;
	float out_scale;
	uint8_t name[CSA_MODEL_LAYER_NAME_LEN];
	uint32_t reserved[8];
};

#endif /* CSA_MODEL_H */
