/* SPDX-License-Identifier: MIT */
/* csa-run: run a packed .csa model on a card or the CPU reference. */
#ifndef CSA_RUN_H
#define CSA_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csa/model.h"

/* Inputs: count tensors of size bytes each, int8, back to back. */
struct run_inputs {
	int8_t *data;
	uint64_t count;
	uint64_t size;
};

/* PyTorch float logits (count x classes) and, if present, labels. */
struct run_reference {
	float *logits;
	int32_t *labels;	/* NULL if the file has none */
	uint64_t count;
	uint32_t classes;
};

/* inputs.c */
int run_load_inputs(const char *path, const struct csa_model *model, struct run_inputs *in);
int run_load_reference(const char *path, uint32_t classes, struct run_reference *ref);
void run_inputs_free(struct run_inputs *in);
void run_reference_free(struct run_reference *ref);

/* stats.c: what the runs produced */
struct run_stats {
	uint64_t n;			/* inferences */
	uint32_t classes;
	int8_t *outputs;		/* n x classes int8 logits */
	uint64_t *cycles;		/* n device cycles */
	uint64_t cycles_sum;
	uint64_t cycles_min, cycles_max;
	int64_t lat_sum, lat_min, lat_max;	/* host ns per inference */
	int64_t wall_ns;
	int64_t sync_sum, sync_min;	/* one inference alone (card) */
	uint32_t sync_runs;
	uint64_t mismatches;		/* --check: outputs */
	uint64_t cycle_mismatches;	/* --check: cycles != CPU + 32 */
	uint64_t checked;
	int64_t check_ns;
};

double run_cosine(const float *a, const float *b, uint32_t n);
void run_print_summary(const struct run_stats *st, const struct csa_model *model,
		       const struct run_reference *ref, const char *where, uint32_t inflight,
		       double *agreement);
void run_print_layers(const struct csa_model *model, const uint64_t *layer_cycles,
		      uint32_t clock_khz);

#endif /* CSA_RUN_H */
