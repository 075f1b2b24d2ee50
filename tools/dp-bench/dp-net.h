/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The datapath benchmarks' jobs, shared by dp-bench (native) and
 * csa-bench --datapath (the card in the VM): one job program per layer
 * and variant, with its bind slots in plain memory, laid out like a
 * libcsa model's (enum csa_model_slot: MODEL, PROG, INPUT, ACT, OUTPUT).
 *
 * Variants:
 *   DPN_DENSE          every packed layer replaced by its K = 1 dense
 *                      equivalent (the same non-zero values, zeros
 *                      elsewhere); activations dense (no sparse format)
 *   DPN_SPARSE_W       the packed layers, activations dense (no Select
 *                      of a sparse activation)
 *   DPN_SPARSE_SPARSE  the packed layers; a k-WTA followed by a LINEAR
 *                      hands over a sparse activation (Select)
 *
 * Layers:
 *   dpn_linear_jobs()  linear 1600 -> 1500, 95 % sparse weights (K = 20,
 *                      perfectly complementary), 10 % of the inputs active
 *   dpn_net_jobs()     the reference network from a .csa model file, the
 *                      program csa_model_build_program() makes, patched per
 *                      variant
 *
 * The card's engine skips zero elements of a dense input (formats.md)
 * unless an op says CSA_PROG_F_NO_SKIP: the LINEAR and CONV2D ops of
 * DPN_DENSE and DPN_SPARSE_W carry it, so that they are literal dense
 * runs (every input element visited) on the card as natively.
 * Needs libcsa (packer, model program builder) and firmware/csa_prog.c.
 */
#ifndef DP_NET_H
#define DP_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <csa/model.h>

enum dpn_variant { DPN_DENSE, DPN_SPARSE_W, DPN_SPARSE_SPARSE, DPN_NVAR };

extern const char *const dpn_variant_name[DPN_NVAR];

#define DPN_NSLOTS		CSA_MODEL_NUM_SLOTS
#define DPN_LINEAR_UNITS	1500
#define DPN_LINEAR_COLS		1600
#define DPN_LINEAR_K		20

/**
 * struct dpn_job - one job program and its bind slots
 * @slot: slot contents (malloc()ed; PROG holds the program at offset 0)
 * @size: bytes of each slot
 * @access: CSA_ACCESS_* of each slot
 * @prog_size: bytes of the program
 * @num_ops: its ops
 * @out_len: result bytes at offset 0 of the OUTPUT slot
 * @status_off: offset of a 32-byte status record in the OUTPUT slot
 * @max_k: largest layer k of the job
 */
struct dpn_job {
	uint8_t *slot[DPN_NSLOTS];
	uint64_t size[DPN_NSLOTS];
	uint32_t access[DPN_NSLOTS];
	uint64_t prog_size;
	uint32_t num_ops;
	uint64_t out_len;
	uint64_t status_off;
	uint32_t max_k;
};

/* The linear layer's three jobs (deterministic weights and input). */
int dpn_linear_jobs(struct dpn_job job[DPN_NVAR]);

/*
 * The reference network of a parsed .csa model, its three jobs with the
 * benchmarks' input in the INPUT slot: deterministic, spectrogram-like,
 * values in [-20, 100].
 */
int dpn_net_jobs(const struct csa_model_view *view, struct dpn_job job[DPN_NVAR]);

void dpn_job_free(struct dpn_job *job);

#endif /* DP_NET_H */
