// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * csa-fuzz-ioctl: hammer the csa render nodes with random and
 * mutated-valid ioctl sequences from several threads, forked children
 * killed mid-job and files closed with jobs in flight; after each seed
 * fail on kernel trouble in /dev/kmsg or BOs left behind (debugfs
 * csa_bos).  TAP: one test per seed, then the final leak check; the
 * (call, errno) table as comments.  See docs/fuzz-ioctl.md.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "../version.h"

static struct fz_ctx ctx;
static uint64_t cur_seed;
static char reproduce[512];	/* the options but --seed/--seeds/--trace */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: csa-fuzz-ioctl [--seed N] [--seeds N] [--iterations N] [--duration S]\n"
		"                      [--threads N] [--files N] [--hangs N] [--reopen N] [--no-children]\n"
		"                      [--huge-counts] [--settle S] [--trace]\n"
		"  --seed N        first seed (default 1); seeds N, N+1, ...\n"
		"  --seeds N       number of seeds (default 1)\n"
		"  --iterations N  operations per thread and seed (0: no limit)\n"
		"  --duration S    seconds per seed (0: no limit; default 10 without --iterations)\n"
		"  --threads N     worker threads (default 4, at most %d)\n"
		"  --files N       fds per card (default 2)\n"
		"  --hangs N       DEBUG_HANG jobs per seed at most (default 1; each costs a job timeout)\n"
		"  --reopen N      close a file with its jobs in flight and reopen it once in N ops (2000)\n"
		"  --no-children   no forked children killed with SIGKILL\n"
		"  --huge-counts   DRM core syncobj arrays with counts up to 2^32-1\n"
		"  --settle S      seconds csa_bos may take to return to its baseline (default 20)\n"
		"  --trace         print every call to stderr\n"
		"  --help, --version\n", FZ_MAX_THREADS);
}

static int parse(int argc, char **argv, struct fz_config *c)
{
	static const struct option opts[] = {
		{ "seed", 1, NULL, 's' }, { "seeds", 1, NULL, 'n' },
		{ "iterations", 1, NULL, 'i' }, { "duration", 1, NULL, 'd' },
		{ "threads", 1, NULL, 't' }, { "files", 1, NULL, 'f' },
		{ "hangs", 1, NULL, 'H' }, { "reopen", 1, NULL, 'R' }, { "no-children", 0, NULL, 'C' },
		{ "huge-counts", 0, NULL, 'U' }, { "settle", 1, NULL, 'S' },
		{ "trace", 0, NULL, 'T' }, { "help", 0, NULL, 'h' },
		{ "version", 0, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	bool duration_set = false;
	int o;

	*c = (struct fz_config){
		.seed = 1, .nseeds = 1, .threads = 4, .files_per_card = 2,
		.hangs = 1, .reopen = 2000, .children = true, .settle = 20,
		.duration = 10,
	};
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's': c->seed = strtoull(optarg, NULL, 0); break;
		case 'n': c->nseeds = strtoull(optarg, NULL, 0); break;
		case 'i': c->iterations = strtoull(optarg, NULL, 0); break;
		case 'd': c->duration = strtod(optarg, NULL); duration_set = true; break;
		case 't': c->threads = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'f': c->files_per_card = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'H': c->hangs = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'R': c->reopen = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'C': c->children = false; break;
		case 'U': c->huge_counts = true; break;
		case 'S': c->settle = strtod(optarg, NULL); break;
		case 'T': fz_trace_all = true; break;
		case 'h': usage(stdout); exit(0);
		case 'V': exit(csa_tool_version("csa-fuzz-ioctl"));
		default: usage(stderr); return -1;
		}
	}
	for (int i = 1; i < argc; i++) {
		size_t l = strlen(reproduce);
		const char *a = argv[i];

		if (!strcmp(a, "--seed") || !strcmp(a, "--seeds")) {
			i++;
			continue;
		}
		if (!strncmp(a, "--seed=", 7) || !strncmp(a, "--seeds=", 8) ||
		    !strcmp(a, "--trace"))
			continue;
		snprintf(reproduce + l, sizeof(reproduce) - l, " %s", a);
	}
	if (c->iterations && !duration_set)
		c->duration = 0;
	if (optind != argc || !c->threads || c->threads > FZ_MAX_THREADS ||
	    !c->files_per_card || !c->nseeds || !c->reopen) {
		usage(stderr);
		return -1;
	}
	return 0;
}

static void on_crash(int sig)
{
	char msg[128];
	int n = snprintf(msg, sizeof(msg),
			 "Bail out! csa-fuzz-ioctl crashed (signal %d) in seed %llu\n",
			 sig, (unsigned long long)cur_seed);

	if (write(1, msg, (size_t)n) < 0)
		_exit(3);
	_exit(3);
}

/* pinned_vm of this process in kB (VmPin), -1 if unknown */
static long long vm_pin_kb(void)
{
	char line[128];
	long long kb = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* One seed; returns true when it passed.  TAP test number @num. */
static bool run_seed(uint64_t seed, unsigned int num, int kfd)
{
	struct fz_worker w[FZ_MAX_THREADS];
	pthread_t th[FZ_MAX_THREADS];
	unsigned int nt = ctx.cfg.threads, started = 0;
	uint64_t calls0 = fz_stats_calls(), ops = 0;
	int64_t t0 = fz_now_ns();
	char first[256] = "", why[512] = "";
	struct fz_rng r;
	int spawner = 0, bad;
	double secs;
	bool ok = true;

	cur_seed = seed;
	fz_rng_init(&r, seed, 999);
	ctx.stop = 0;
	ctx.hangs_left = (int)ctx.cfg.hangs;
	ctx.deadline_ns = ctx.cfg.duration > 0 ?
		(uint64_t)(t0 + (int64_t)(ctx.cfg.duration * 1e9)) : 0;
	ctx.corpus = fz_corpus_build(seed);
	if (!ctx.corpus || fz_files_open(&ctx)) {
		printf("not ok %u - seed %llu: setup failed: %s\n", num,
		       (unsigned long long)seed, strerror(errno));
		fz_files_close(&ctx, &r);
		fz_corpus_free(ctx.corpus);
		return false;
	}
	if (ctx.cfg.children)
		spawner = fz_spawner_start(&ctx, seed);
	for (unsigned int i = 0; i < nt; i++) {
		if (fz_worker_init(&w[i], &ctx, (int)i, seed, i))
			break;
		w[i].trace = fz_trace_new((int)i);
		if (pthread_create(&th[i], NULL, fz_thread_main, &w[i])) {
			fz_worker_fini(&w[i]);
			fz_trace_free(w[i].trace);
			break;
		}
		started++;
	}
	for (unsigned int i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		ops += w[i].ops;
	}
	if (fz_spawner_stop(spawner))
		snprintf(why, sizeof(why), "the child spawner failed; ");
	fz_files_close(&ctx, &r);
	secs = (double)(fz_now_ns() - t0) / 1e9;

	for (unsigned int c = 0; c < ctx.ncards; c++) {
		int64_t n = fz_bos_settle(&ctx.card[c], ctx.cfg.settle);

		if (n != ctx.card[c].baseline) {
			size_t l = strlen(why);

			snprintf(why + l, sizeof(why) - l,
				 "%s csa_bos count %lld, baseline %lld; ",
				 ctx.card[c].node, (long long)n,
				 (long long)ctx.card[c].baseline);
			ok = false;
		}
	}
	bad = fz_kmsg_check(kfd, first, sizeof(first));
	if (bad) {
		size_t l = strlen(why);

		snprintf(why + l, sizeof(why) - l, "kernel: %d trouble records, first: %s",
			 bad, first);
		ok = false;
	}
	if (started < nt) {
		size_t l = strlen(why);

		snprintf(why + l, sizeof(why) - l, "only %u of %u threads started; ",
			 started, nt);
		ok = false;
	}
	printf("%s %u - seed %llu: %llu calls (%llu ops) in %.1f s, %.0f calls/s, %u threads, %d hang(s)%s%s\n",
	       ok ? "ok" : "not ok", num, (unsigned long long)seed,
	       (unsigned long long)(fz_stats_calls() - calls0),
	       (unsigned long long)ops, secs,
	       (double)(fz_stats_calls() - calls0) / (secs > 0 ? secs : 1), nt,
	       (int)ctx.cfg.hangs - (ctx.hangs_left > 0 ? ctx.hangs_left : 0),
	       ok ? "; kernel log clean, csa_bos at baseline" : ": ", ok ? "" : why);
	if (!ok) {
		printf("# reproduce: csa-fuzz-ioctl --seed %llu%s --trace (below: the last calls of each thread, oldest first)\n",
		       (unsigned long long)seed, reproduce);
		for (unsigned int i = 0; i < started; i++)
			fz_trace_print(w[i].trace, stdout, 32);
	}
	for (unsigned int i = 0; i < started; i++) {
		fz_worker_fini(&w[i]);
		fz_trace_free(w[i].trace);
	}
	fz_corpus_free(ctx.corpus);
	ctx.corpus = NULL;
	fflush(stdout);
	return ok;
}

int main(int argc, char **argv)
{
	unsigned int failed = 0, num = 0;
	int64_t t0 = fz_now_ns();
	bool leak_ok = true;
	long long pin;
	int kfd;

	if (parse(argc, argv, &ctx.cfg))
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGSEGV, on_crash);
	signal(SIGBUS, on_crash);
	signal(SIGPIPE, SIG_IGN);
	printf("TAP version 13\n");
	if (fz_stats_init() || fz_ctx_init(&ctx)) {
		printf("1..0 # SKIP cannot set up: %s\n", strerror(errno));
		return 1;
	}
	if (fz_cards_find(&ctx) <= 0) {
		printf("1..0 # SKIP no csa render node\n");
		return 0;
	}
	for (unsigned int c = 0; c < ctx.ncards; c++) {
		if (fz_bos_count(&ctx.card[c], &ctx.card[c].baseline)) {
			printf("1..0 # SKIP %s: cannot read (debugfs mounted, root?)\n",
			       ctx.card[c].bos);
			return 1;
		}
	}
	kfd = fz_kmsg_open();
	printf("# csa-fuzz-ioctl: %u card(s), seeds %llu..%llu, %u threads, %u fds per card, %s%s, hangs %u per seed, iterations %llu, duration %.1f s\n",
	       ctx.ncards, (unsigned long long)ctx.cfg.seed,
	       (unsigned long long)(ctx.cfg.seed + ctx.cfg.nseeds - 1),
	       ctx.cfg.threads, ctx.cfg.files_per_card,
	       ctx.cfg.children ? "children killed mid-job" : "no children",
	       ctx.cfg.huge_counts ? ", huge counts" : "", ctx.cfg.hangs,
	       (unsigned long long)ctx.cfg.iterations, ctx.cfg.duration);
	if (kfd < 0)
		printf("# cannot read /dev/kmsg: kernel log not checked\n");
	printf("1..%llu\n", (unsigned long long)ctx.cfg.nseeds + 1);
	for (uint64_t s = 0; s < ctx.cfg.nseeds; s++)
		failed += !run_seed(ctx.cfg.seed + s, ++num, kfd);

	/* everything closed: every card at its baseline, nothing pinned */
	pin = vm_pin_kb();
	for (unsigned int c = 0; c < ctx.ncards; c++) {
		int64_t n = fz_bos_settle(&ctx.card[c], ctx.cfg.settle);

		if (n != ctx.card[c].baseline) {
			printf("# %s: csa_bos count %lld, baseline %lld\n",
			       ctx.card[c].node, (long long)n,
			       (long long)ctx.card[c].baseline);
			leak_ok = false;
		}
	}
	if (pin > 0) {
		printf("# VmPin %lld kB with every file closed\n", pin);
		leak_ok = false;
	}
	printf("%s %u - leak check: csa_bos of %u card(s) at baseline, VmPin %lld kB\n",
	       leak_ok ? "ok" : "not ok", ++num, ctx.ncards, pin);
	failed += !leak_ok;
	fz_stats_print(stdout);
	fz_ops_print(stdout);
	printf("# %llu calls in %.1f s, %u distinct (call, errno) paths\n",
	       (unsigned long long)fz_stats_calls(),
	       (double)(fz_now_ns() - t0) / 1e9, fz_stats_paths());
	if (kfd >= 0)
		close(kfd);
	return failed ? 1 : 0;
}
