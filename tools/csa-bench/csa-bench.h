/* SPDX-License-Identifier: MIT */
/* Shared declarations of csa-bench's files. */
#ifndef CSA_BENCH_H
#define CSA_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <csa/csa.h>

#define BENCH_MAX_RESULTS	32
#define BENCH_REASON_LEN	160

enum bench_kind {
	BENCH_NULL_IOCTL,	/* GET_PARAM round trip through the kernel */
	BENCH_NOP_ROUNDTRIP,	/* NOP submit + wait, one at a time */
	BENCH_NOP_PIPELINED,	/* NOPs with @depth jobs in flight */
	BENCH_COPY,		/* card COPY of @size bytes vs memcpy */
};

/**
 * struct bench_result - one row of the report
 * @kind: what was measured
 * @depth: jobs in flight (BENCH_NOP_PIPELINED)
 * @size: bytes per operation (BENCH_COPY)
 * @iterations: operations timed
 * @seconds: wall time of the @iterations operations
 * @memcpy_iterations: BENCH_COPY: memcpy of @size timed this often
 * @memcpy_seconds: ... in this time
 * @skipped: not measured; @reason says why
 * @failed: measurement failed; @reason says why
 * @reason: text for @skipped / @failed
 */
struct bench_result {
	enum bench_kind kind;
	unsigned int depth;
	uint64_t size;
	uint64_t iterations;
	double seconds;
	uint64_t memcpy_iterations;
	double memcpy_seconds;
	bool skipped;
	bool failed;
	char reason[BENCH_REASON_LEN];
};

/* How long and how much to measure. */
struct bench_config {
	bool quick;		/* --quick: a smoke run, tiny budgets */
	double min_seconds;	/* run each measurement at least this long */
	uint64_t max_iterations;/* ... but at most this often */
	uint64_t max_copy_size;	/* largest COPY size */
};

/* What the report says about the card. */
struct bench_card {
	struct csa_info info;
	int numa_placement;
};

/* bench.c: every measurement, in report order; returns the row count. */
int bench_run_all(struct csa_device *dev, const struct csa_info *info,
		  const struct bench_config *cfg, struct bench_result *res,
		  int max);

/* report.c */
void report_text(FILE *out, const struct bench_card *card,
		 const struct bench_config *cfg, const struct bench_result *res,
		 int n);
void report_json(FILE *out, const struct bench_card *card,
		 const struct bench_config *cfg, const struct bench_result *res,
		 int n);

/*
 * datapath.c (--datapath): dp-bench's jobs (linear layer, the network of
 * the .csa @model) as CSA_OP_PROGRAM jobs; prints its table to @out.
 * Returns 0, or -1 after a message on stderr.
 */
int bench_datapath(struct csa_device *dev, const struct csa_info *info,
		   const struct bench_config *cfg, const char *model, FILE *out);

/*
 * cards.c (--datapath, last): the model's inferences/s on one card and
 * on every card at once.  Returns 0, or -1 after a message on stderr.
 */
int bench_cards(const struct bench_config *cfg, const char *model, FILE *out);

#endif /* CSA_BENCH_H */
