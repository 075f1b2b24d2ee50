/* SPDX-License-Identifier: MIT */
/*
 * libcsa packer: turn an exported float model (tools/model/export.py:
 * model.json + safetensors) into a .csa model file (uapi/csa_model.h) of
 * packed complementary-sparse layers (uapi/csa_format.h), and parse .csa
 * files back.
 *
 * Same conventions as <csa/csa.h>: 0 or a count on success, a negative
 * errno on failure with a message for csa_last_error().  No function needs
 * a card.  Reference: docs/libcsa-pack.md; formats: docs/model-format.md.
 */
#ifndef CSA_PACK_H
#define CSA_PACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "csa/csa.h"
#include "csa_format.h"
#include "csa_model.h"

#if defined(__cplusplus)
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Float model (the export)                                             */
/* ------------------------------------------------------------------ */

/**
 * struct csa_fmodel_layer - one float layer as exported
 * @name: layer name
 * @type: CSA_MODEL_LAYER_LINEAR or CSA_MODEL_LAYER_CONV2D
 * @in_c: @in_h: @in_w: input shape (LINEAR: in features x 1 x 1)
 * @out_c: @out_h: @out_w: output shape of the layer op (LINEAR: x 1 x 1)
 * @kernel: @stride: @pad: CONV2D square window; 0 for LINEAR
 * @pool: max-pool window (= stride) after k-WTA, 0 for none
 * @k: pack factor of the export's complementary masks (1 = dense)
 * @weight: out_c x cols floats, row-major; cols = in_c * kernel * kernel
 *          (CONV2D, column (ci * kh + ky) * kw + kx) or in_c*in_h*in_w
 * @bias: out_c floats or NULL
 * @bn_mean: @bn_var: batch-norm running statistics (out_c each) or NULL
 * @bn_eps: batch-norm epsilon
 * @bn_weight: @bn_bias: affine batch-norm gamma and beta (out_c each), or
 *             NULL (no affine parameters: gamma 1, beta 0)
 * @kwta_k: k-WTA winners after the layer, 0 for none
 * @kwta_local: k-WTA per position instead of global
 * @boost: out_c k-WTA boost factors or NULL
 * @act_max: calibrated largest output value to represent (> 0)
 * @in_density: measured fraction of non-zero inputs (0: unknown)
 */
struct csa_fmodel_layer {
	char name[CSA_MODEL_LAYER_NAME_LEN];
	uint16_t type;
	uint32_t in_c, in_h, in_w;
	uint32_t out_c, out_h, out_w;
	uint32_t kernel, stride, pad;
	uint32_t pool;
	uint32_t k;
	float *weight;
	float *bias;
	float *bn_mean;
	float *bn_var;
	float bn_eps;
	uint32_t kwta_k;
	bool kwta_local;
	float *boost;
	float act_max;
	float in_density;
	float *bn_weight;
	float *bn_bias;
};

/**
 * struct csa_fmodel - an exported float model
 * @name: network name
 * @variant: the export's variant ("sparse", "super_sparse"), may be empty
 * @in_c: @in_h: @in_w: input shape
 * @input_scale: @input_zero_point: int8 input quantisation
 * @num_layers: number of layers
 * @layers: the layers, in order
 */
struct csa_fmodel {
	char name[CSA_MODEL_NAME_LEN + 1];
	char variant[32];
	uint32_t in_c, in_h, in_w;
	float input_scale;
	int32_t input_zero_point;
	uint32_t num_layers;
	struct csa_fmodel_layer *layers;
};

/* Columns (fan-in) of a layer. */
CSA_EXPORT uint32_t csa_fmodel_layer_cols(const struct csa_fmodel_layer *layer);

/*
 * Read model.json and the tensor file it names (safetensors, plain or
 * gzip-compressed; F16/F32 tensors), check names, shapes and values.
 */
CSA_EXPORT int csa_fmodel_load(const char *json_path, struct csa_fmodel **modelp);
CSA_EXPORT void csa_fmodel_free(struct csa_fmodel *model);

/*
 * Fold batch-norm into weight and bias (in place): with a = gamma /
 * sqrt(var + eps) per unit, w' = w a, b' = (b - mean) a + beta (gamma 1,
 * beta 0 without affine parameters).  No-op without BN.
 */
CSA_EXPORT int csa_fold_batchnorm(struct csa_fmodel_layer *layer);

/*
 * Calibrate activation scales on @count inputs (@inputs: count x in_c x
 * in_h x in_w real values, CHW; quantised here at the model's input scale
 * as the card will see them): run the float model (batch-norm folded,
 * k-WTA with boost, max-pool) and set every layer's act_max (the largest
 * output before k-WTA for a layer with k-WTA, the largest magnitude
 * otherwise) and in_density.  -EINVAL when a layer's range is not positive.
 */
CSA_EXPORT int csa_fmodel_calibrate(struct csa_fmodel *model, const float *inputs,
				    uint32_t count);

/*
 * Read calibration inputs: tensor "inputs" of a safetensors file (plain or
 * gzip), I8 (q x the model's input scale) or F16/F32 (real values), a
 * whole number of the model's inputs.  *inputsp is malloc()ed.
 */
CSA_EXPORT int csa_calibration_inputs_load(const char *path, const struct csa_fmodel *model,
					   float **inputsp, uint32_t *countp);

/* ------------------------------------------------------------------ */
/* Quantisation                                                         */
/* ------------------------------------------------------------------ */

/*
 * Per-row symmetric int8: scales[r] = max |w[r]| / 127, q = round(w /
 * scale) in [-127, 127].  A row of zeros gets scale 0 and zeros.  Rejects
 * non-finite weights.
 */
CSA_EXPORT int csa_quantise_rows(const float *w, uint32_t rows, uint32_t cols,
				 int8_t *q, float *scales);

/*
 * multiplier and shift (0..CSA_REQUANT_MAX_SHIFT) with multiplier / 2^shift
 * closest to @real (>= 0, finite) and multiplier < 2^31.  Returns 1 if @real
 * is too large and the multiplier saturated, 0 otherwise, -EINVAL for a
 * negative or non-finite @real.
 */
CSA_EXPORT int csa_requant_multiplier(double real, int32_t *multiplier, uint8_t *shift);

/* round(real) saturated to int32; *saturated set when it was. */
CSA_EXPORT int32_t csa_quantise_bias(double real, bool *saturated);

/* Boost factor as uint16 Q8.8 (CSA_BOOST_ONE = 1.0), rounded, saturated. */
CSA_EXPORT uint16_t csa_boost_q88(float boost);

/* The card's requantisation of csa_format.h: sat8(round(sat32(acc + bias) * m / 2^s)). */
CSA_EXPORT int8_t csa_requant_apply(int32_t acc, const struct csa_requant *rq);

/* ------------------------------------------------------------------ */
/* Complementary grouping and packed layers                             */
/* ------------------------------------------------------------------ */

/**
 * struct csa_grouping - which units share a group, and with which tag
 * @units: @cols: @k: the layer and its pack factor
 * @groups: G
 * @tagmap: G * k entries, entry g * k + t = unit fed by accumulator
 *          (g, t), or CSA_TAGMAP_NONE
 * @exact: the units are taken in consecutive runs of k whose non-zero
 *         positions are disjoint (the export's complementary masks)
 * @nonzeros: non-zero weights
 * @efficiency: nonzeros / (groups * cols), 1.0 for complete complementary
 *              groups
 */
struct csa_grouping {
	uint32_t units, cols, k, groups;
	uint16_t *tagmap;
	bool exact;
	uint64_t nonzeros;
	double efficiency;
};

/*
 * Group the rows of @w (units x cols int8) into groups of at most @k rows
 * with disjoint non-zero positions: consecutive runs of k when they are
 * disjoint (exact), otherwise greedily (rows by descending non-zero count,
 * each into the fullest group it fits, a new group if none).  @k = 1 is
 * dense packing.  Free with csa_grouping_free().
 */
CSA_EXPORT int csa_group_units(const int8_t *w, uint32_t units, uint32_t cols,
			       uint32_t k, struct csa_grouping *grouping);
CSA_EXPORT void csa_grouping_free(struct csa_grouping *grouping);

/*
 * Build a packed layer (csa_format.h) from int8 weights (units x cols),
 * a grouping of them, units requantisation records and optionally units
 * boost factors.  *blobp is malloc()ed (free()), *sizep its size.
 */
CSA_EXPORT int csa_pack_layer(const int8_t *w, const struct csa_grouping *grouping,
			      const struct csa_requant *requant, const uint16_t *boost,
			      void **blobp, size_t *sizep);

/*
 * Check a packed layer completely (header, sections, tag map, tags,
 * requantisation records); the checks the card makes and more.
 */
CSA_EXPORT int csa_packed_layer_check(const void *blob, size_t size);

/* Unpack a checked packed layer into units x cols int8 weights. */
CSA_EXPORT int csa_unpack_layer(const void *blob, size_t size, int8_t *w);

/* ------------------------------------------------------------------ */
/* Packing a model                                                      */
/* ------------------------------------------------------------------ */

/**
 * struct csa_pack_options - choices of csa_pack_model()
 * @max_k: limit of the pack factor (the card's max_k); 0 = no limit
 * @greedy: always group greedily (ignore the consecutive complementary runs)
 */
struct csa_pack_options {
	uint32_t max_k;
	bool greedy;
};

/**
 * struct csa_pack_layer_report - what csa_pack_model() did to one layer
 * @name: layer name
 * @units: @cols: @k: @groups: shape of the packed layer
 * @exact: grouping was exactly complementary
 * @efficiency: nonzeros / (groups * cols)
 * @nonzeros: non-zero weights of the float model (the masks)
 * @positions: output positions (out_h * out_w)
 * @macs_dense: units * cols * positions
 * @macs_sparse: groups * cols * positions: the packed (complementary)
 *               dense pass over a dense input = nonzeros / efficiency
 * @macs_sparse_sparse: macs_sparse * input density (rounded): only the
 *               non-zero inputs are visited (Select)
 * @in_density: input density used (measured by the export, 1 if unknown)
 * @bytes: size of the packed layer
 * @in_scale: @out_scale: activation scales
 * @zero_rows: units whose weights are all zero
 * @saturated_biases: biases clamped to int32
 * @saturated_multipliers: requantisation multipliers clamped
 */
struct csa_pack_layer_report {
	char name[CSA_MODEL_LAYER_NAME_LEN + 1];
	uint32_t units, cols, k, groups;
	bool exact;
	double efficiency;
	uint64_t nonzeros;
	uint64_t positions;
	uint64_t macs_dense, macs_sparse, macs_sparse_sparse;
	double in_density;
	uint64_t bytes;
	float in_scale, out_scale;
	uint32_t zero_rows, saturated_biases, saturated_multipliers;
};

/**
 * struct csa_pack_result - a packed model in memory
 * @data: the .csa file contents (malloc()ed, 64-byte aligned)
 * @size: its size
 * @num_layers: layers packed
 * @layers: per-layer report
 */
struct csa_pack_result {
	void *data;
	size_t size;
	uint32_t num_layers;
	struct csa_pack_layer_report layers[CSA_MODEL_MAX_LAYERS];
};

/*
 * Fold batch-norm, quantise (per-unit int8 weights; activation scales from
 * the calibrated act_max), group, pack and assemble a .csa file in memory.
 * @model is not changed.  @options may be NULL (defaults).
 */
CSA_EXPORT int csa_pack_model(const struct csa_fmodel *model,
			      const struct csa_pack_options *options,
			      struct csa_pack_result *result);
CSA_EXPORT void csa_pack_result_free(struct csa_pack_result *result);

/* The --report table of csa-pack. */
CSA_EXPORT void csa_pack_report_print(FILE *out, const struct csa_pack_result *result);

/* Write @size bytes to @path (replaced atomically via a temporary file). */
CSA_EXPORT int csa_model_write_file(const char *path, const void *data, size_t size);

/* ------------------------------------------------------------------ */
/* Parsing .csa files                                                   */
/* ------------------------------------------------------------------ */

/**
 * struct csa_model_view - a validated .csa file in memory
 * @data: @size: the file
 * @hdr: its header (points into @data)
 * @layers: its layer table (points into @data)
 */
struct csa_model_view {
	const uint8_t *data;
	size_t size;
	const struct csa_model_hdr *hdr;
	const struct csa_model_layer *layers;
};

/*
 * Validate a whole .csa file in memory: header, CRC32, layer table, shape
 * chaining, every packed layer (csa_packed_layer_check).  @data must be
 * 8-byte aligned.  Errors: -EINVAL (malformed, message says which field),
 * -EBADMSG (CRC mismatch), -EFBIG (larger than CSA_MODEL_MAX_FILE_SIZE).
 */
CSA_EXPORT int csa_model_parse(const void *data, size_t size, struct csa_model_view *view);

/* Read a file into a 64-byte aligned buffer (free()); bounded by CSA_MODEL_MAX_FILE_SIZE. */
CSA_EXPORT int csa_model_read_file(const char *path, void **datap, size_t *sizep);

/* Packed layer i of a parsed model. */
CSA_EXPORT const struct csa_layer_hdr *csa_model_layer_blob(const struct csa_model_view *view,
							   uint32_t index);

#if defined(__cplusplus)
}
#endif

#endif /* CSA_PACK_H */
