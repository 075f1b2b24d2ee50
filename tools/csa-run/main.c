// SPDX-License-Identifier: MIT
/*
 * csa-run: run a packed .csa model on a CSA card (or on the CPU reference)
 * over a file of inputs; print predictions, per-layer modelled cycles,
 * device cycles, host latency and throughput; compare with the CPU
 * reference (--check, bit-exact) and with PyTorch's float logits
 * (--reference).  docs/libcsa-model.md has the manual.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csa-run.h"
#include "../version.h"

#define MAX_INFLIGHT	64
#define MAX_CARDS	8

struct opts {
	const char *model, *inputs, *reference, *device;
	uint64_t count;
	uint32_t inflight;
	bool inflight_set;
	bool check, cpu, cpu_ref, quiet, all_cards;
	double min_agreement;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: csa-run MODEL.csa --inputs FILE [--reference FILE] [--check]\n"
		"               [--count N] [--inflight N] [-d DEV|all] [--cpu[=reference]]\n"
		"               [--min-agreement PCT]\n"
		"  --inputs FILE      safetensors[.gz] with \"inputs\" (I8 or F32, N x C x H x W),\n"
		"                     or a raw file of N int8 input tensors\n"
		"  --reference FILE   safetensors[.gz] with PyTorch \"logits\" (F32, N x classes):\n"
		"                     top-1 agreement and mean logit cosine similarity\n"
		"  --check            compare every card output with the CPU reference (bit-exact)\n"
		"  --count N          run N inferences (inputs repeat; default: one per input)\n"
		"  --inflight N, --batch N  inferences in flight on the card (default 4, max %d);\n"
		"                     with --cpu: N at once on N worker threads (default 1)\n"
		"  -d, --device DEV, --card DEV  render node path or card index (default: card 0);\n"
		"                     'all': the model on every card (up to %d), inferences\n"
		"                     round-robin over them, --inflight N per card\n"
		"  --cpu              run on the CPU backend (no card needed; libcsa's optimised,\n"
		"                     vectorised CPU device, bit-exact with the card)\n"
		"  --cpu=reference    run on the CPU reference instead (the firmware's engine,\n"
		"                     with the card's modelled cycles)\n"
		"  --min-agreement PCT  exit 1 if the top-1 agreement is below PCT\n"
		"  -q, --quiet        no per-layer table\n"
		"  -h, --help         this text\n"
		"  -V, --version      the version\n"
		"exit status: 0 ok, 1 failure (bad input, card error, --check mismatch,\n"
		"agreement below --min-agreement), 2 usage\n", MAX_INFLIGHT, MAX_CARDS);
}

static int parse_u64(const char *s, const char *what, uint64_t min, uint64_t max, uint64_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || !*s || *end || *s == '-' || x < min || x > max) {
		fprintf(stderr, "csa-run: %s wants a number %llu..%llu, got '%s'\n", what,
			(unsigned long long)min, (unsigned long long)max, s);
		return -1;
	}
	*v = x;
	return 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "inputs", required_argument, NULL, 'i' },
		{ "reference", required_argument, NULL, 'r' },
		{ "check", no_argument, NULL, 'c' },
		{ "count", required_argument, NULL, 'n' },
		{ "inflight", required_argument, NULL, 'b' },
		{ "batch", required_argument, NULL, 'b' },
		{ "device", required_argument, NULL, 'd' },
		{ "card", required_argument, NULL, 'd' },
		{ "cpu", optional_argument, NULL, 'C' },
		{ "min-agreement", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	uint64_t v;
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->inflight = 4;
	o->min_agreement = -1;
	while ((c = getopt_long(argc, argv, "d:qhV", lopts, NULL)) != -1) {
		switch (c) {
		case 'i': o->inputs = optarg; break;
		case 'r': o->reference = optarg; break;
		case 'c': o->check = true; break;
		case 'n':
			if (parse_u64(optarg, "--count", 1, UINT32_MAX, &o->count))
				return -1;
			break;
		case 'b':
			if (parse_u64(optarg, "--inflight", 1, MAX_INFLIGHT, &v))
				return -1;
			o->inflight = (uint32_t)v;
			o->inflight_set = true;
			break;
		case 'd':
			o->device = optarg;
			o->all_cards = !strcmp(optarg, "all");
			break;
		case 'C':
			o->cpu = true;
			if (optarg && strcmp(optarg, "reference")) {
				fprintf(stderr, "csa-run: --cpu takes no value or 'reference', not '%s'\n",
					optarg);
				return -1;
			}
			o->cpu_ref = optarg != NULL;
			break;
		case 'm':
			o->min_agreement = strtod(optarg, &end);
			/* written so that NaN is refused too */
			if (*end || end == optarg ||
			    !(o->min_agreement >= 0 && o->min_agreement <= 100)) {
				fprintf(stderr, "csa-run: --min-agreement wants a percentage, got '%s'\n",
					optarg);
				return -1;
			}
			break;
		case 'q': o->quiet = true; break;
		case 'h': usage(stdout); exit(0);
		case 'V': exit(csa_tool_version("csa-run"));
		default: return -1;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "csa-run: %s\n", optind >= argc ? "no model file given" :
			"only one model file, please");
		return -1;
	}
	o->model = argv[optind];
	if (!o->inputs) {
		fprintf(stderr, "csa-run: --inputs FILE is required\n");
		return -1;
	}
	if (o->cpu && o->check) {
		fprintf(stderr, "csa-run: --check compares the card with the CPU reference; not with --cpu\n");
		return -1;
	}
	if (o->cpu && o->device) {
		fprintf(stderr, "csa-run: --cpu runs without a card; -d makes no sense with it\n");
		return -1;
	}
	return 0;
}

static int open_device(const char *spec, struct csa_device **devp)
{
	uint64_t idx;
	char *end;
	int ret;

	if (spec && *spec != '/') {
		idx = strtoull(spec, &end, 10);
		if (end == spec || *end || idx > UINT32_MAX) {
			fprintf(stderr, "csa-run: -d wants a render node path or a card index, got '%s'\n",
				spec);
			return -EINVAL;
		}
		ret = csa_open((unsigned int)idx, devp);
	} else if (spec) {
		ret = csa_open_path(spec, devp);
	} else {
		ret = csa_open(0, devp);
	}
	if (ret)
		fprintf(stderr, "csa-run: cannot open the card: %s\n", csa_last_error());
	return ret;
}

/* The card of -d, or with -d all every card (*n of them). */
static int open_cards(const struct opts *o, struct csa_device **devs, uint32_t *n)
{
	int count;

	*n = 1;
	if (!o->all_cards)
		return open_device(o->device, &devs[0]);
	count = csa_enumerate(NULL, 0);
	if (count <= 0) {
		fprintf(stderr, "csa-run: -d all: %s\n",
			count ? csa_last_error() : "no CSA card found");
		return -1;
	}
	*n = count < MAX_CARDS ? (uint32_t)count : MAX_CARDS;
	for (uint32_t c = 0; c < *n; c++) {
		if (csa_open(c, &devs[c])) {
			fprintf(stderr, "csa-run: card %u: %s\n", c, csa_last_error());
			return -1;
		}
	}
	return 0;
}

/* Record one finished inference i (output in place in inf). */
static void record(struct run_stats *st, uint64_t i, struct csa_infer *inf,
		   const struct csa_infer_result *r)
{
	memcpy(st->outputs + i * st->classes, csa_infer_output(inf), st->classes);
	st->cycles[i] = r->cycles;
	st->cycles_sum += r->cycles;
	st->cycles_min = !i || r->cycles < st->cycles_min ? r->cycles : st->cycles_min;
	st->cycles_max = r->cycles > st->cycles_max ? r->cycles : st->cycles_max;
	st->lat_sum += r->host_ns;
	st->lat_min = !i || r->host_ns < st->lat_min ? r->host_ns : st->lat_min;
	st->lat_max = r->host_ns > st->lat_max ? r->host_ns : st->lat_max;
}

/* Inference i's input: the inputs in turn. */
static void load_input(struct csa_infer *inf, const struct run_inputs *in, uint64_t i)
{
	memcpy(csa_infer_input(inf), in->data + (i % in->count) * in->size, in->size);
}

/* Input i on the CPU backend, or with @ref on the CPU reference. */
static int cpu_one(struct csa_infer *inf, const struct run_inputs *in, uint64_t i,
		   bool ref, struct csa_infer_result *r)
{
	load_input(inf, in, i);
	if (ref ? csa_infer_run_reference(inf, r) : csa_infer_run_cpu(inf, r)) {
		fprintf(stderr, "csa-run: input %llu: %s\n", (unsigned long long)i,
			csa_last_error());
		return -1;
	}
	return 0;
}

/*
 * --check, after the timed card run: every input again on the CPU
 * reference over the buffers of an inference the card used; outputs must
 * be equal byte for byte, cycles = the card's - 32 (descriptor overhead).
 */
static int check_cpu(struct csa_infer **infs, uint32_t inflight, const struct run_inputs *in,
		     struct run_stats *st)
{
	int64_t t0 = csa_now_ns();
	struct csa_infer_result r;

	for (uint64_t i = 0; i < st->n; i++) {
		/* on the card (and so with the limits) input i ran on */
		struct csa_infer *inf = infs[i % inflight];

		if (cpu_one(inf, in, i, true, &r))
			return -1;
		st->checked++;
		if (memcmp(st->outputs + i * st->classes, csa_infer_output(inf), st->classes)) {
			st->mismatches++;
			if (st->mismatches <= 10)
				fprintf(stderr, "csa-run: input %llu: card output differs from the CPU reference\n",
					(unsigned long long)i);
		}
		st->cycle_mismatches += st->cycles[i] != r.cycles + 32;
	}
	st->check_ns = csa_now_ns() - t0;
	return 0;
}

/* Latency of one inference alone: SYNC_RUNS synchronous runs first. */
#define SYNC_RUNS	16

static int sync_latency(struct csa_infer *inf, const struct run_inputs *in, struct run_stats *st)
{
	struct csa_infer_result r;

	for (uint64_t i = 0; i < SYNC_RUNS; i++) {
		load_input(inf, in, i);
		if (csa_infer_run(inf, &r)) {
			fprintf(stderr, "csa-run: input %llu: %s\n", (unsigned long long)(i % in->count),
				csa_last_error());
			return -1;
		}
		st->sync_sum += r.host_ns;
		st->sync_min = !i || r.host_ns < st->sync_min ? r.host_ns : st->sync_min;
	}
	st->sync_runs = SYNC_RUNS;
	return 0;
}

static int run_card(const struct opts *o, struct csa_infer **inf, const struct run_inputs *in,
		    struct run_stats *st)
{
	struct csa_infer_result r;
	uint64_t done = 0;
	int64_t t0;

	if (sync_latency(inf[0], in, st))
		return -1;
	t0 = csa_now_ns();

	for (uint64_t i = 0; i < st->n + o->inflight; i++) {
		uint32_t s = (uint32_t)(i % o->inflight);

		/* the inference of slot s from inflight submissions ago */
		if (i >= o->inflight && done < st->n) {
			if (csa_infer_wait(inf[s], CSA_DEADLINE_INFINITE, &r)) {
				fprintf(stderr, "csa-run: input %llu: %s\n",
					(unsigned long long)(done % in->count), csa_last_error());
				return -1;
			}
			record(st, done, inf[s], &r);
			done++;
		}
		if (i >= st->n)
			continue;
		load_input(inf[s], in, i);
		if (csa_infer_submit(inf[s])) {
			fprintf(stderr, "csa-run: input %llu: %s\n", (unsigned long long)i,
				csa_last_error());
			return -1;
		}
	}
	st->wall_ns = csa_now_ns() - t0;
	return o->check ? check_cpu(inf, o->inflight, in, st) : 0;
}

static int run_cpu(struct csa_infer **inf, uint32_t batch, const struct run_inputs *in,
		   bool ref, struct run_stats *st)
{
	struct csa_infer_result r[MAX_INFLIGHT];
	int64_t t0 = csa_now_ns();

	if (batch == 1) {
		for (uint64_t i = 0; i < st->n; i++) {
			if (cpu_one(inf[0], in, i, ref, &r[0]))
				return -1;
			record(st, i, inf[0], &r[0]);
		}
	} else {
		/* batch inferences at once, one worker thread each */
		for (uint64_t i = 0; i < st->n; i += batch) {
			uint32_t b = st->n - i < batch ? (uint32_t)(st->n - i) : batch;

			for (uint32_t j = 0; j < b; j++)
				load_input(inf[j], in, i + j);
			if (csa_infer_run_cpu_batch(inf, b, b, r)) {
				fprintf(stderr, "csa-run: inputs %llu..: %s\n",
					(unsigned long long)i, csa_last_error());
				return -1;
			}
			for (uint32_t j = 0; j < b; j++)
				record(st, i + j, inf[j], &r[j]);
		}
	}
	st->wall_ns = csa_now_ns() - t0;
	return 0;
}

int main(int argc, char **argv)
{
	struct csa_infer *inf[MAX_INFLIGHT] = { 0 };
	struct run_reference ref = { 0 };
	struct run_inputs in = { 0 };
	struct run_stats st = { 0 };
	struct csa_model_info info;
	struct csa_model *models[MAX_CARDS] = { 0 }, *model = NULL;
	struct csa_device *devs[MAX_CARDS] = { 0 }, *dev = NULL;
	struct csa_info card = { 0 };
	uint32_t ncards = 1;
	char where[64];
	uint64_t *layer_cycles = NULL;
	double agreement;
	struct opts o;
	int rc = 1;

	if (parse(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	if (o.cpu && (!o.inflight_set || o.cpu_ref))
		o.inflight = 1;	/* the reference runs one at a time */
	if (!o.cpu && open_cards(&o, devs, &ncards))
		goto out;
	dev = devs[0];
	if (dev && csa_query(dev, &card)) {
		fprintf(stderr, "csa-run: %s\n", csa_last_error());
		goto out;
	}
	/* the model on every card, each with its own queue and buffers */
	for (uint32_t c = 0; c < ncards; c++) {
		if (csa_model_load(devs[c], o.model, NULL, &models[c])) {
			fprintf(stderr, "csa-run: %s\n", csa_last_error());
			goto out;
		}
	}
	model = models[0];
	o.inflight *= ncards;
	if (o.inflight > MAX_INFLIGHT)
		o.inflight = MAX_INFLIGHT / ncards * ncards;
	csa_model_info(model, &info);
	if (run_load_inputs(o.inputs, model, &in))
		goto out;
	if (o.reference && run_load_reference(o.reference, (uint32_t)info.output_size, &ref))
		goto out;
	if (ref.count && ref.count < in.count)
		fprintf(stderr, "csa-run: %s has %llu reference rows for %llu inputs: comparing the first %llu\n",
			o.reference, (unsigned long long)ref.count, (unsigned long long)in.count,
			(unsigned long long)ref.count);
	st.n = o.count ? o.count : in.count;
	st.classes = (uint32_t)info.output_size;
	st.outputs = calloc(st.n, st.classes);
	st.cycles = calloc(st.n, sizeof(*st.cycles));
	layer_cycles = calloc(info.num_layers, sizeof(*layer_cycles));
	if (!st.outputs || !st.cycles || !layer_cycles) {
		fprintf(stderr, "csa-run: out of memory\n");
		goto out;
	}
	/* slot i on card i % ncards: submissions go round-robin over the cards */
	for (uint32_t i = 0; i < o.inflight; i++) {
		if (csa_infer_create(models[i % ncards], &inf[i])) {
			fprintf(stderr, "csa-run: %s\n", csa_last_error());
			goto out;
		}
	}
	printf("model %s: %u layers, %u ops, input %ux%ux%u, output %llu, %llu bytes; %s%s\n",
	       info.name, info.num_layers, info.num_ops, info.in_c, info.in_h, info.in_w,
	       (unsigned long long)info.output_size, (unsigned long long)info.file_size,
	       !o.cpu ? (ncards > 1 ? "cards " : "card ") : o.cpu_ref ? "CPU reference" :
	       "CPU backend", o.cpu ? "" : card.render_node);
	for (uint32_t c = 1; c < ncards; c++)
		printf("  and %s\n", csa_render_node(devs[c]));
	if (!o.quiet) {
		load_input(inf[0], &in, 0);
		if (csa_infer_layer_cycles(inf[0], layer_cycles)) {
			fprintf(stderr, "csa-run: %s\n", csa_last_error());
			goto out;
		}
		run_print_layers(model, layer_cycles, card.clock_khz);
	}
	if (o.cpu ? run_cpu(inf, o.inflight, &in, o.cpu_ref, &st) : run_card(&o, inf, &in, &st))
		goto out;
	snprintf(where, sizeof(where), "%s", !o.cpu ? "card" : o.cpu_ref ? "CPU reference" :
		 "CPU backend");
	if (ncards > 1)
		snprintf(where, sizeof(where), "%u cards", ncards);
	run_print_summary(&st, model, ref.count ? &ref : NULL, where,
			  o.inflight, &agreement);
	rc = 0;
	if (st.mismatches) {
		fprintf(stderr, "csa-run: %llu card outputs differ from the CPU reference\n",
			(unsigned long long)st.mismatches);
		rc = 1;
	}
	if (st.cycle_mismatches) {
		fprintf(stderr, "csa-run: %llu inferences took other device cycles than the CPU reference's cost model + 32\n",
			(unsigned long long)st.cycle_mismatches);
		rc = 1;
	}
	if (o.min_agreement >= 0 && agreement < o.min_agreement) {
		fprintf(stderr, "csa-run: top-1 agreement with the reference %.2f %% is below %.2f %%\n",
			agreement, o.min_agreement);
		rc = 1;
	}
out:
	for (uint32_t i = 0; i < MAX_INFLIGHT; i++)
		csa_infer_destroy(inf[i]);
	for (uint32_t c = 0; c < MAX_CARDS; c++) {
		csa_model_unload(models[c]);
		csa_close(devs[c]);
	}
	run_inputs_free(&in);
	run_reference_free(&ref);
	free(st.outputs);
	free(st.cycles);
	free(layer_cycles);
	return rc;
}
