// SPDX-License-Identifier: MIT
/* The report: a side-by-side table, or the same numbers as JSON. */
#include <stdio.h>

#include "csa-bench.h"
#include "json.h"

static const char *kind_key(enum bench_kind kind)
{
	switch (kind) {
	case BENCH_NULL_IOCTL:		return "null_ioctl";
	case BENCH_NOP_ROUNDTRIP:	return "nop_roundtrip";
	case BENCH_NOP_PIPELINED:	return "nop_pipelined";
	case BENCH_COPY:		return "copy";
	}
	return "unknown";
}

static void format_size(char *buf, size_t len, uint64_t size)
{
	if (size >= (1u << 20))
		snprintf(buf, len, "%llu MiB", (unsigned long long)(size >> 20));
	else
		snprintf(buf, len, "%llu KiB", (unsigned long long)(size >> 10));
}

static double per_op_us(uint64_t n, double s)
{
	return n ? s * 1e6 / (double)n : 0;
}

static double mib_per_s(uint64_t size, uint64_t n, double s)
{
	return s > 0 ? (double)size * (double)n / s / (1 << 20) : 0;
}

static void text_op_row(FILE *out, const char *label, const struct bench_result *r)
{
	fprintf(out, "  %-28s", label);
	if (r->skipped || r->failed) {
		fprintf(out, " %s: %s\n", r->skipped ? "skipped" : "FAILED", r->reason);
		return;
	}
	fprintf(out, " %10llu %12.2f us %12.0f /s\n", (unsigned long long)r->iterations,
		per_op_us(r->iterations, r->seconds),
		r->seconds > 0 ? (double)r->iterations / r->seconds : 0);
}

static void text_copy_row(FILE *out, const struct bench_result *r)
{
	char size[32];
	double mem = mib_per_s(r->size, r->memcpy_iterations, r->memcpy_seconds);

	format_size(size, sizeof(size), r->size);
	fprintf(out, "  %-10s", size);
	if (r->memcpy_iterations)
		fprintf(out, " %12.1f", mem);
	else
		fprintf(out, " %12s", "-");
	if (r->skipped || r->failed) {
		fprintf(out, "   card %s: %s\n", r->skipped ? "skipped" : "FAILED", r->reason);
		return;
	}
	fprintf(out, " %12.1f %10.2f %12.1f\n",
		mib_per_s(r->size, r->iterations, r->seconds),
		mem > 0 ? mib_per_s(r->size, r->iterations, r->seconds) / mem : 0,
		per_op_us(r->iterations, r->seconds));
}

void report_text(FILE *out, const struct bench_card *card,
		 const struct bench_config *cfg, const struct bench_result *res,
		 int n)
{
	const struct csa_info *info = &card->info;
	bool copy_header = false;
	char label[64];

	fprintf(out, "csa-bench: %s (%s), NUMA node %d, buffers on node %d%s\n",
		info->render_node, info->pci_address, info->numa_node,
		card->numa_placement, cfg->quick ? ", quick run" : "");
	fprintf(out, "  %-28s %10s %15s %15s\n", "operation", "iterations",
		"time per op", "rate");
	for (int i = 0; i < n; i++) {
		const struct bench_result *r = &res[i];

		switch (r->kind) {
		case BENCH_NULL_IOCTL:
			text_op_row(out, "null ioctl (GET_PARAM)", r);
			break;
		case BENCH_NOP_ROUNDTRIP:
			text_op_row(out, "NOP submit + wait", r);
			break;
		case BENCH_NOP_PIPELINED:
			snprintf(label, sizeof(label), "NOP pipelined, depth %u", r->depth);
			text_op_row(out, label, r);
			break;
		case BENCH_COPY:
			if (!copy_header) {
				fprintf(out, "\n  %-10s %12s %12s %10s %12s\n", "copy size",
					"memcpy MiB/s", "card MiB/s", "card/cpu",
					"card us/op");
				copy_header = true;
			}
			text_copy_row(out, r);
			break;
		}
	}
}

void report_json(FILE *out, const struct bench_card *card,
		 const struct bench_config *cfg, const struct bench_result *res,
		 int n)
{
	struct json j;

	json_init(&j, out);
	json_begin_object(&j, NULL);
	json_begin_object(&j, "card");
	json_string(&j, "render_node", card->info.render_node);
	json_string(&j, "pci_address", card->info.pci_address);
	json_int(&j, "numa_node", card->info.numa_node);
	json_int(&j, "numa_placement", card->numa_placement);
	json_uint(&j, "features", card->info.features);
	json_end_object(&j);
	json_string(&j, "mode", cfg->quick ? "quick" : "full");
	json_begin_array(&j, "results");
	for (int i = 0; i < n; i++) {
		const struct bench_result *r = &res[i];

		json_begin_object(&j, NULL);
		json_string(&j, "test", kind_key(r->kind));
		if (r->kind == BENCH_NOP_PIPELINED)
			json_uint(&j, "depth", r->depth);
		if (r->kind == BENCH_COPY) {
			json_uint(&j, "size", r->size);
			json_uint(&j, "memcpy_iterations", r->memcpy_iterations);
			json_double(&j, "memcpy_seconds", r->memcpy_seconds);
			json_double(&j, "memcpy_mib_per_s",
				    mib_per_s(r->size, r->memcpy_iterations,
					      r->memcpy_seconds));
		}
		if (r->skipped)
			json_string(&j, "skipped", r->reason);
		if (r->failed)
			json_string(&j, "error", r->reason);
		if (!r->skipped && !r->failed) {
			json_uint(&j, "iterations", r->iterations);
			json_double(&j, "seconds", r->seconds);
			json_double(&j, "us_per_op", per_op_us(r->iterations, r->seconds));
			if (r->kind == BENCH_COPY)
				json_double(&j, "mib_per_s",
					    mib_per_s(r->size, r->iterations, r->seconds));
		}
		json_end_object(&j);
	}
	json_end_array(&j);
	json_end_object(&j);
	fputc('\n', out);
}
