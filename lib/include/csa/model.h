/* SPDX-License-Identifier: MIT */
/*
 * libcsa models: load a packed .csa model (csa-pack) onto a card once and
 * run it many times, synchronously or with several inferences in flight;
 * run the same job program on the CPU over the same buffers: on the CPU
 * device (libcsa's optimised backend, lib/cpu/) or on the CPU reference
 * (the firmware's engine, compiled into libcsa).
 *
 * Same conventions as <csa/csa.h>: 0 or a count on success, a negative
 * errno on failure with a message for csa_last_error().  A model and its
 * inferences belong to one device and are used by one thread at a time.
 * Reference: docs/libcsa-model.md.
 */
#ifndef CSA_MODEL_API_H
#define CSA_MODEL_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csa/csa.h"
#include "csa/pack.h"

#if defined(__cplusplus)
extern "C" {
#endif

/* A .csa model loaded onto a card (or for the CPU only); opaque. */
struct csa_model;
/* One inference of a model: its own input, activations, output; opaque. */
struct csa_infer;

/*
 * Bind slots of the job program a model runs (struct csa_model_info
 * lists the sizes).  MODEL and PROG are the model's read-only buffers,
 * shared by its inferences; the others are per inference.
 */
enum csa_model_slot {
	CSA_MODEL_SLOT_MODEL = 0,	/* the .csa file, READ */
	CSA_MODEL_SLOT_PROG = 1,	/* the job program, READ */
	CSA_MODEL_SLOT_INPUT = 2,	/* int8 input tensor, READ */
	CSA_MODEL_SLOT_ACT = 3,		/* activations A | B | sparse, READ|WRITE */
	CSA_MODEL_SLOT_OUTPUT = 4,	/* int8 output, then the status record, WRITE */
	CSA_MODEL_NUM_SLOTS = 5,
};

/* Default queue and priority of csa_model_load() (options NULL). */
#define CSA_MODEL_DEFAULT_QUEUE		0

/**
 * struct csa_model_options - choices of csa_model_load()
 * @hw_queue: hardware queue the model's jobs run on
 * @priority: DRM_CSA_PRIORITY_*; 0 is DRM_CSA_PRIORITY_LOW
 * @reserved: 0
 */
struct csa_model_options {
	uint32_t hw_queue;
	uint32_t priority;
	uint32_t reserved[4];
};

/**
 * struct csa_model_info - what a loaded model is
 * @name: network name (NUL-terminated)
 * @num_layers: packed layers
 * @num_ops: ops of its job program
 * @in_c: @in_h: @in_w: int8 input tensor (CHW)
 * @out_c: @out_h: @out_w: int8 output tensor
 * @input_size: @output_size: bytes of the input and output tensors
 * @input_scale: @input_zero_point: real = scale * (q - zero_point)
 * @output_scale: @output_zero_point: the same for the output
 * @max_k: largest pack factor: the card's max_k must be at least this
 * @file_size: bytes of the .csa file (= the weights buffer's payload)
 * @prog_size: bytes of the job program
 * @act_size: bytes of one inference's activation buffer
 * @sparse_capacity: entries of the sparse activation (0: none)
 * @on_card: loaded onto a card (false: CPU reference only)
 */
struct csa_model_info {
	char name[CSA_MODEL_NAME_LEN + 1];
	uint32_t num_layers;
	uint32_t num_ops;
	uint32_t in_c, in_h, in_w;
	uint32_t out_c, out_h, out_w;
	uint64_t input_size;
	uint64_t output_size;
	float input_scale;
	int32_t input_zero_point;
	float output_scale;
	int32_t output_zero_point;
	uint32_t max_k;
	uint64_t file_size;
	uint64_t prog_size;
	uint64_t act_size;
	uint32_t sparse_capacity;
	bool on_card;
};

/**
 * struct csa_infer_result - how one inference ended
 * @status: CSA_STATUS_* of the card (or of the CPU reference)
 * @detail: CSA_PROG_DETAIL(op, operand, reason) for CSA_STATUS_PROGRAM
 * @cycles: device cycles of the job (completion record; CPU reference:
 *          the same cost model, without the 32-cycle descriptor overhead)
 * @host_ns: submit to completion seen by the host (csa_infer_wait()), or
 *           the CPU reference's run time
 */
struct csa_infer_result {
	uint32_t status;
	uint32_t detail;
	uint64_t cycles;
	int64_t host_ns;
};

/* ---- loading ---------------------------------------------------------- */

/*
 * Read, validate (csa_model_parse()) and load the .csa file at @path: the
 * file into one buffer object (read-only for the card), its job program
 * into another, and a queue on @options->hw_queue.  @dev NULL loads for
 * the CPU reference only (plain memory, no card).  Fails with -ENOTSUP
 * when the card's max_k is below the model's.
 */
CSA_EXPORT int csa_model_load(struct csa_device *dev, const char *path,
			      const struct csa_model_options *options,
			      struct csa_model **modelp);

/* The same from a .csa file in memory (copied; @data need not stay). */
CSA_EXPORT int csa_model_load_mem(struct csa_device *dev, const void *data,
				  size_t size,
				  const struct csa_model_options *options,
				  struct csa_model **modelp);

/*
 * Wait for the model's inferences still in flight, destroy them and free
 * every buffer, the queue and the model.  NULL is ignored.
 */
CSA_EXPORT void csa_model_unload(struct csa_model *model);

/* Fill @info (struct csa_model_info) with the loaded model's shapes, sizes and scales. */
CSA_EXPORT int csa_model_info(const struct csa_model *model,
			      struct csa_model_info *info);

/* The parsed .csa file (layer table, packed layers); valid until unload. */
CSA_EXPORT const struct csa_model_view *csa_model_get_view(const struct csa_model *model);

/* Layer whose work op @op of the job program does (-EINVAL past the end). */
CSA_EXPORT int csa_model_op_layer(const struct csa_model *model, uint32_t op);

/* The job program (csa_model_info.prog_size bytes); valid until unload. */
CSA_EXPORT const void *csa_model_program(const struct csa_model *model);

/* ---- program building (no card) ---------------------------------------- */

/**
 * struct csa_model_plan - the job program of a parsed model and the
 * buffers it needs
 * @num_ops: ops
 * @prog_size: bytes of the program (CSA_PROG_SIZE(num_ops))
 * @act_off: offsets of activation buffers A, B and the sparse activation
 *           in the CSA_MODEL_SLOT_ACT buffer
 * @act_size: bytes of the CSA_MODEL_SLOT_ACT buffer
 * @sparse_capacity: entries of the sparse activation (0: none)
 * @output_size: bytes of the output
 * @status_off: offset of the 32-byte status record in the output slot
 * @output_slot_size: bytes of the output slot (output + status record)
 * @op_layer: layer index of each op
 */
struct csa_model_plan {
	uint32_t num_ops;
	uint64_t prog_size;
	uint64_t act_off[3];
	uint64_t act_size;
	uint32_t sparse_capacity;
	uint64_t output_size;
	uint64_t status_off;
	uint64_t output_slot_size;
	uint8_t op_layer[CSA_PROG_MAX_OPS];
};

/*
 * Build the job program of a parsed model over the slots of enum
 * csa_model_slot: per layer CONV2D or LINEAR (its packed layer in the
 * model slot as param), then KWTA (boosted with the layer's boost array)
 * and MAXPOOL2D as the layer table says; activations ping-pong between A
 * and B; a global k-WTA followed by a LINEAR layer writes a sparse
 * activation the LINEAR reads sparse-sparse.  *progp is malloc()ed
 * (free()), plan->prog_size bytes.
 */
CSA_EXPORT int csa_model_build_program(const struct csa_model_view *view,
				       struct csa_model_plan *plan,
				       void **progp);

/* ---- inferences ------------------------------------------------------- */

/*
 * Create an inference: its input, activation and output buffers (mapped),
 * and its own fence, so several can be in flight at once.
 */
CSA_EXPORT int csa_infer_create(struct csa_model *model,
				struct csa_infer **inferp);

/* Wait for it if in flight, free its buffers.  NULL is ignored. */
CSA_EXPORT void csa_infer_destroy(struct csa_infer *infer);

/* Mapped int8 input (csa_model_info.input_size bytes): write, then run. */
CSA_EXPORT int8_t *csa_infer_input(struct csa_infer *infer);

/* Mapped int8 output, read in place after csa_infer_wait()/_run(). */
CSA_EXPORT const int8_t *csa_infer_output(const struct csa_infer *infer);

/*
 * Queue the inference on the card and return (-EBUSY if it is already in
 * flight, -ENODEV for a CPU-only model).
 */
CSA_EXPORT int csa_infer_submit(struct csa_infer *infer);

/*
 * Wait until a submitted inference completes (absolute CLOCK_MONOTONIC
 * @deadline_ns), make the output CPU-readable and fill @result (may be
 * NULL).  Return: 0, the job's error (-ENOEXEC: the card refused the
 * program; result->detail says why), -ETIME at the deadline (still in
 * flight), -EINVAL if nothing was submitted.
 */
CSA_EXPORT int csa_infer_wait(struct csa_infer *infer, int64_t deadline_ns,
			      struct csa_infer_result *result);

/*
 * The inference's out fence (binary; NULL for a CPU-only model): signals
 * when its job completes, e.g. csa_fence_sync_file() for poll().  Still
 * call csa_infer_wait() before reading the output.
 */
CSA_EXPORT struct csa_fence *csa_infer_fence(const struct csa_infer *infer);

/* csa_infer_submit() + csa_infer_wait() without a deadline. */
CSA_EXPORT int csa_infer_run(struct csa_infer *infer,
			     struct csa_infer_result *result);

/**
 * csa_infer_run_cpu() - run the inference on the CPU device
 * @infer: the inference (not in flight on a card)
 * @result: how it ended (may be NULL); @result->cycles is 0: the backend
 *          does not model the card's cycles (csa_infer_run_reference()
 *          does)
 *
 * Runs the model's job program on libcsa's optimised CPU backend
 * (lib/cpu/: the program decoded once at load, vectorised kernels chosen
 * at run time) over the inference's own buffers: reads the input, writes
 * the output the card would write, bit for bit.  The scratch it needs is
 * allocated on the first run of @infer; later runs allocate nothing.  A
 * program the backend does not take, or a run it refuses, runs on the
 * reference engine instead (csa_infer_run_reference(), same result).
 *
 * Return: 0, or -ENOEXEC when the program failed (@result->detail).
 */
CSA_EXPORT int csa_infer_run_cpu(struct csa_infer *infer,
				 struct csa_infer_result *result);

/**
 * csa_infer_run_cpu_batch() - run several inferences on the CPU device at once
 * @infers: @n inferences (of one or several models; none in flight on a card)
 * @n: how many
 * @threads: worker threads, the caller included (0: one per online CPU);
 *           at most @n are used, 1 runs them all in the caller
 * @results: @n results (may be NULL)
 *
 * Worker threads take the inferences in turn and run each with
 * csa_infer_run_cpu(); the threads live for the call.  The inferences
 * must be distinct.
 *
 * Return: 0, or the first failure's negative errno; csa_last_error() of
 * the calling thread then names the inference and what went wrong.
 */
CSA_EXPORT int csa_infer_run_cpu_batch(struct csa_infer *const *infers, uint32_t n,
				       uint32_t threads, struct csa_infer_result *results);

/**
 * csa_infer_run_reference() - run the inference on the CPU reference
 * @infer: the inference (not in flight on a card)
 * @result: how it ended (may be NULL), with the cost model's cycles
 *
 * Runs the job program on the CPU reference (firmware/csa_prog.c with
 * csa_prog_mem_io) over the inference's own buffers: reads the input,
 * writes the activations and the output the card would write, bit for
 * bit, with the card's limits (lanes, max_k, ...; the virtual card's
 * defaults for a CPU-only model) and its checks and errors.
 *
 * Return: 0, or -ENOEXEC when the engine refused (@result->detail).
 */
CSA_EXPORT int csa_infer_run_reference(struct csa_infer *infer,
				       struct csa_infer_result *result);

/*
 * Modelled card cycles per layer of the current input: the CPU reference
 * runs the program one op at a time (each op as a one-op program over the
 * same buffers) and adds each op's cycles to its layer's entry of
 * @layer_cycles (csa_model_info.num_layers entries, zeroed first).  Each
 * op is charged its own program and validation reads and runs without
 * the overlap of its stages with its neighbours', so the sum is above
 * csa_infer_result.cycles.  Leaves the output written.
 */
CSA_EXPORT int csa_infer_layer_cycles(struct csa_infer *infer,
				      uint64_t *layer_cycles);

/* ---- quantisation ----------------------------------------------------- */

/*
 * @n reals to int8 with the model's input quantisation:
 * q = clamp(round(x / scale) + zero_point, -128, 127).  Returns the number
 * of values that saturated; -EINVAL for a non-finite value.
 */
CSA_EXPORT int csa_model_quantise_input(const struct csa_model *model,
					const float *x, size_t n, int8_t *q);

/* @n int8 outputs to reals: y = scale * (q - zero_point). */
CSA_EXPORT void csa_model_dequantise_output(const struct csa_model *model,
					    const int8_t *q, size_t n,
					    float *y);

/* Index of the largest of @n int8 values (the first on a tie). */
CSA_EXPORT uint32_t csa_argmax_i8(const int8_t *v, size_t n);

#if defined(__cplusplus)
}
#endif

#endif /* CSA_MODEL_API_H */
