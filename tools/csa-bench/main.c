// SPDX-License-Identifier: MIT
/*
 * csa-bench: data-plane numbers of one CSA card, side by side in one run:
 * null ioctl, NOP round trip, pipelined NOPs, card COPY against memcpy;
 * with --datapath, then the datapath: dense / sparse weights /
 * sparse-sparse job programs (linear layer, reference network) on the card
 * and on the CPU reference (datapath.c).
 * A benchmark, not a test: it fails only when a measurement fails.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csa-bench.h"
#include "../version.h"

static const char *prog = "csa-bench";

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [-d|--device INDEX|PATH] [-q|--quick] [-j|--json]\n"
		"          [-p|--datapath] [-m|--model FILE.csa]\n"
		"  -d, --device    card index (csa_enumerate order, default 0) or DRM node path\n"
		"  -q, --quick     tiny budgets and copies up to 64 KiB: a smoke run\n"
		"  -j, --json      JSON on stdout instead of the table (not with --datapath)\n"
		"  -p, --datapath  then the datapath table: linear 1600->1500 and the reference\n"
		"                  network, dense / sparse weights / sparse-sparse job programs\n"
		"  -m, --model     the reference network's .csa file (make gsc-model:\n"
		"                  build/model/gsc.csa); without it --datapath runs the\n"
		"                  linear layer only\n"
		"  -h, --help      this text\n"
		"  -V, --version   the version\n", prog);
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int open_card(const char *arg, struct csa_device **dev)
{
	if (!arg)
		return csa_open(0, dev);
	if (all_digits(arg))
		return csa_open((unsigned int)strtoul(arg, NULL, 10), dev);
	return csa_open_path(arg, dev);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "quick", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "datapath", no_argument, NULL, 'p' },
		{ "model", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_config cfg = {
		.min_seconds = 0.5,
		.max_iterations = 100000,
		.max_copy_size = 64ull << 20,
	};
	struct bench_result res[BENCH_MAX_RESULTS];
	struct bench_card card;
	struct csa_device *dev;
	const char *device = NULL, *model = NULL;
	bool json = false, datapath = false;
	int opt, n, failed = 0;

	while ((opt = getopt_long(argc, argv, "d:qjpm:hV", options, NULL)) != -1) {
		switch (opt) {
		case 'd':
			device = optarg;
			break;
		case 'q':
			cfg = (struct bench_config){
				.quick = true,
				.min_seconds = 0.02,
				.max_iterations = 50,
				.max_copy_size = 64 << 10,
			};
			break;
		case 'j':
			json = true;
			break;
		case 'p':
			datapath = true;
			break;
		case 'm':
			model = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			return csa_tool_version(prog);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (json && datapath) {
		fprintf(stderr, "%s: --datapath prints a table only, not with --json\n", prog);
		usage(stderr);
		return 2;
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		usage(stderr);
		return 2;
	}

	if (open_card(device, &dev)) {
		fprintf(stderr, "%s: %s\n", prog, csa_last_error());
		return 1;
	}
	if (csa_query(dev, &card.info)) {
		fprintf(stderr, "%s: %s\n", prog, csa_last_error());
		csa_close(dev);
		return 1;
	}
	card.numa_placement = csa_numa_node(dev);
	n = bench_run_all(dev, &card.info, &cfg, res, BENCH_MAX_RESULTS);

	if (json)
		report_json(stdout, &card, &cfg, res, n);
	else
		report_text(stdout, &card, &cfg, res, n);
	fflush(stdout);
	if (datapath && bench_datapath(dev, &card.info, &cfg, model, stdout))
		failed = 1;
	csa_close(dev);
	for (int i = 0; i < n; i++) {
		if (res[i].failed) {
			fprintf(stderr, "%s: %s\n", prog, res[i].reason);
			failed = 1;
		}
	}
	return failed;
}
