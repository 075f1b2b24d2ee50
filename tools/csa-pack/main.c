// SPDX-License-Identifier: MIT
/*
 * csa-pack: pack an exported float model (tools/model/export.py) into a
 * .csa model file, or check and describe a .csa file.
 *
 *   csa-pack MODEL.json -o MODEL.csa [--report] [--variant NAME] [--max-k N] [--greedy]
 *            [--calibrate INPUTS.safetensors]
 *   csa-pack --info MODEL.csa
 *
 * Exit status 0 on success, 1 on bad input (with one line saying why),
 * 2 on bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csa/pack.h"
#include "../version.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: csa-pack MODEL.json -o MODEL.csa [--report] [--variant NAME]\n"
		"                [--max-k N] [--greedy] [--calibrate INPUTS]\n"
		"  or:  csa-pack --info MODEL.csa\n"
		"\n"
		"  -o, --output FILE  write the packed model here\n"
		"  -r, --report       per layer: K, packing efficiency, MACs dense /\n"
		"                     weight-sparse / sparse-sparse, bytes\n"
		"      --variant NAME fail unless the export is this variant\n"
		"                     (sparse, super_sparse)\n"
		"      --max-k N      limit the pack factor to N (the card's max_k)\n"
		"      --greedy       group greedily even where masks are complementary\n"
		"      --calibrate INPUTS\n"
		"                     set activation scales from these inputs (safetensors\n"
		"                     tensor \"inputs\", I8 at the model's input scale or\n"
		"                     F16/F32) instead of the export's act_max\n"
		"      --info FILE    validate a .csa file and describe it\n"
		"  -h, --help         this text\n"
		"  -V, --version      the version\n");
}

static void print_info(const struct csa_model_view *v)
{
	const struct csa_model_hdr *h = v->hdr;

	printf("%.*s: CSA model v%u (packed-layer format v%u), %llu bytes, %u layers, "
	       "max K %u, CRC32 0x%08x\n", CSA_MODEL_NAME_LEN, (const char *)h->name,
	       h->version, h->format_version, (unsigned long long)h->file_size, h->num_layers,
	       h->max_k, h->crc32);
	printf("input %ux%ux%u int8 scale %g; output %ux%ux%u int8 scale %g; "
	       "largest activation %u\n", h->in_c, h->in_h, h->in_w, h->input_scale,
	       h->out_c, h->out_h, h->out_w, h->output_scale, h->max_activation);
	for (uint32_t i = 0; i < h->num_layers; i++) {
		const struct csa_model_layer *l = &v->layers[i];

		printf("  %-8.*s %-6s %ux%ux%u -> %ux%ux%u K %u groups %u nonzeros %llu",
		       CSA_MODEL_LAYER_NAME_LEN, (const char *)l->name,
		       l->type == CSA_MODEL_LAYER_CONV2D ? "conv2d" : "linear",
		       l->in_c, l->in_h, l->in_w, l->out_c, l->out_h, l->out_w, l->k, l->groups,
		       (unsigned long long)l->nonzeros);
		if (l->flags & CSA_MODEL_LF_KWTA)
			printf(" k-WTA %u%s%s", l->kwta_k,
			       l->flags & CSA_MODEL_LF_KWTA_LOCAL ? " local" : "",
			       l->flags & CSA_MODEL_LF_BOOST ? " boost" : "");
		if (l->flags & CSA_MODEL_LF_MAXPOOL)
			printf(" maxpool %u", l->pool);
		printf(" @%llu+%llu\n", (unsigned long long)l->blob_off,
		       (unsigned long long)l->blob_size);
	}
}

static int info(const char *path)
{
	struct csa_model_view view;
	void *data;
	size_t size;
	int ret = csa_model_read_file(path, &data, &size);

	if (!ret) {
		ret = csa_model_parse(data, size, &view);
		if (ret)
			fprintf(stderr, "csa-pack: %s: %s\n", path, csa_last_error());
		else
			print_info(&view);
		free(data);
	} else {
		fprintf(stderr, "csa-pack: %s\n", csa_last_error());
	}
	return ret ? 1 : 0;
}

/* --calibrate: the model's act_max and in_density from the user's inputs. */
static int calibrate(struct csa_fmodel *model, const char *path, bool report)
{
	float *inputs, old[CSA_MODEL_MAX_LAYERS];
	uint32_t count;
	int ret = csa_calibration_inputs_load(path, model, &inputs, &count);

	if (ret) {
		fprintf(stderr, "csa-pack: %s\n", csa_last_error());
		return ret;
	}
	for (uint32_t i = 0; i < model->num_layers && i < CSA_MODEL_MAX_LAYERS; i++)
		old[i] = model->layers[i].act_max;
	ret = csa_fmodel_calibrate(model, inputs, count);
	free(inputs);
	if (ret) {
		fprintf(stderr, "csa-pack: calibration on %s: %s\n", path, csa_last_error());
		return ret;
	}
	if (report) {
		printf("calibrated on %u inputs of %s: act_max (export -> calibrated)\n", count, path);
		for (uint32_t i = 0; i < model->num_layers && i < CSA_MODEL_MAX_LAYERS; i++)
			printf("  %-8s %10.4g -> %-10.4g in density %.1f%%\n", model->layers[i].name,
			       old[i], model->layers[i].act_max, 100.0 * model->layers[i].in_density);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "report", no_argument, NULL, 'r' },
		{ "variant", required_argument, NULL, 'v' },
		{ "max-k", required_argument, NULL, 'k' },
		{ "greedy", no_argument, NULL, 'g' },
		{ "info", required_argument, NULL, 'i' },
		{ "calibrate", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	struct csa_pack_options options = { 0 };
	struct csa_pack_result result;
	struct csa_model_view view;
	struct csa_fmodel *model;
	const char *output = NULL, *variant = NULL, *info_path = NULL, *calib_path = NULL;
	bool report = false;
	char *end;
	unsigned long v;
	int c, ret;

	while ((c = getopt_long(argc, argv, "o:rhV", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'r':
			report = true;
			break;
		case 'v':
			variant = optarg;
			break;
		case 'k':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !v || v > 255) {
				fprintf(stderr, "csa-pack: --max-k must be 1..255, not \"%s\"\n", optarg);
				return 2;
			}
			options.max_k = (uint32_t)v;
			break;
		case 'g':
			options.greedy = true;
			break;
		case 'i':
			info_path = optarg;
			break;
		case 'c':
			calib_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			return csa_tool_version("csa-pack");
		default:
			usage(stderr);
			return 2;
		}
	}
	if (info_path) {
		if (optind != argc || output || report || variant || options.max_k ||
		    options.greedy || calib_path) {
			fprintf(stderr, "csa-pack: --info takes only the .csa file\n");
			usage(stderr);
			return 2;
		}
		return info(info_path);
	}
	if (optind != argc - 1 || !output) {
		fprintf(stderr, "csa-pack: need one MODEL.json and -o MODEL.csa\n");
		usage(stderr);
		return 2;
	}
	ret = csa_fmodel_load(argv[optind], &model);
	if (ret) {
		fprintf(stderr, "csa-pack: %s\n", csa_last_error());
		return 1;
	}
	if (variant && strcmp(variant, model->variant)) {
		fprintf(stderr, "csa-pack: %s is variant \"%s\", not \"%s\"\n", argv[optind],
			model->variant, variant);
		csa_fmodel_free(model);
		return 1;
	}
	if (calib_path && calibrate(model, calib_path, report)) {
		csa_fmodel_free(model);
		return 1;
	}
	ret = csa_pack_model(model, &options, &result);
	csa_fmodel_free(model);
	if (ret) {
		fprintf(stderr, "csa-pack: %s: %s\n", argv[optind], csa_last_error());
		return 1;
	}
	/* what we write must parse: the library checks its own output */
	ret = csa_model_parse(result.data, result.size, &view);
	if (!ret)
		ret = csa_model_write_file(output, result.data, result.size);
	if (ret) {
		fprintf(stderr, "csa-pack: %s\n", csa_last_error());
		csa_pack_result_free(&result);
		return 1;
	}
	if (report)
		csa_pack_report_print(stdout, &result);
	csa_pack_result_free(&result);
	return 0;
}
