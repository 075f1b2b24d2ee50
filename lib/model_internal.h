/* SPDX-License-Identifier: MIT */
/*
 * Internals of the model API (lib/model_*.c): a loaded model and its
 * inferences.  Hidden from libcsa.so like lib/internal.h.
 */
#ifndef CSA_MODEL_INTERNAL_H
#define CSA_MODEL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "csa/model.h"
#include "csa_prog.h"
#include "cpu/cpu_internal.h"

/* Card-local scratch memory of the engine (the virtual card's 8 MiB). */
#define CSA_MODEL_SCRATCH_SIZE	(8u << 20)

/*
 * One buffer of a model or inference: a BO mapped at @map on a card, or
 * plain memory (@bo NULL) for a CPU-only model.
 */
struct csa_model_buf {
	struct csa_bo *bo;
	uint8_t *map;
	uint64_t size;
};

struct csa_model {
	struct csa_device *dev;		/* NULL: CPU reference only */
	struct csa_queue *queue;
	struct csa_model_view view;	/* points into weights.map */
	struct csa_model_plan plan;
	struct csa_model_buf weights;	/* the .csa file, bound READ */
	struct csa_model_buf prog;	/* the job program, bound READ */
	uint8_t *op_progs;		/* one-op programs (csa_infer_layer_cycles) */
	struct csa_prog_env env;	/* the card's limits; scratch per run */
	struct csa_cpu_prog cpu;	/* the program decoded for lib/cpu/ */
	bool cpu_ok;			/* false: the CPU device runs the reference */
	struct csa_infer *infers;	/* live inferences */
};

struct csa_infer {
	struct csa_model *model;
	struct csa_infer *next;		/* in model->infers */
	struct csa_model_buf input;
	struct csa_model_buf act;
	struct csa_model_buf output;	/* output, then the status record */
	struct csa_fence *fence;	/* out fence of its job */
	bool in_flight;
	int64_t submit_ns;
	uint8_t *scratch;		/* CPU reference, allocated on first use */
	struct csa_cpu_scratch cpu;	/* CPU backend, allocated on first use */
};

/* model_buf.c: a zeroed buffer of @size bytes, mapped. */
int csa_model_buf_alloc(struct csa_device *dev, uint64_t size, struct csa_model_buf *buf);
void csa_model_buf_free(struct csa_model_buf *buf);

#endif /* CSA_MODEL_INTERNAL_H */
