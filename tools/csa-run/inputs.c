// SPDX-License-Identifier: MIT
/*
 * csa-run's input files: the reference data of tests/data/gsc (safetensors,
 * plain or gzip-compressed: "inputs" I8 [N, C, H, W], or F32 quantised with
 * the model's input quantisation; "logits" F32 [N, classes], "labels" I32
 * [N]) or a raw file of N int8 input tensors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csa-run.h"
#include "pack_internal.h"

static bool is_safetensors(const char *path)
{
	const char *dot = strstr(path, ".safetensors");

	return dot && (!strcmp(dot, ".safetensors") || !strcmp(dot, ".safetensors.gz"));
}

static int load_raw(const char *path, uint64_t size, struct run_inputs *in)
{
	FILE *f = fopen(path, "rb");
	long len;

	if (!f) {
		fprintf(stderr, "csa-run: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "csa-run: %s: cannot size the file\n", path);
		fclose(f);
		return -EIO;
	}
	if (!len || (uint64_t)len % size) {
		fprintf(stderr, "csa-run: %s: %ld bytes is not a whole number of %llu-byte int8 inputs\n",
			path, len, (unsigned long long)size);
		fclose(f);
		return -EINVAL;
	}
	in->data = malloc((size_t)len);
	if (!in->data || fread(in->data, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "csa-run: %s: cannot read\n", path);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	in->count = (uint64_t)len / size;
	in->size = size;
	return 0;
}

int run_load_inputs(const char *path, const struct csa_model *model, struct run_inputs *in)
{
	struct csa_model_info info;
	struct csa_safetensors st;
	const void *raw;
	uint64_t numel;
	int ret;

	memset(in, 0, sizeof(*in));
	csa_model_info(model, &info);
	if (!is_safetensors(path))
		return load_raw(path, info.input_size, in);
	ret = csa_st_open(path, &st);
	if (ret) {
		fprintf(stderr, "csa-run: %s\n", csa_last_error());
		return ret;
	}
	if (!csa_st_get_raw(&st, "inputs", "I8", 1, &raw, &numel)) {
		in->data = malloc(numel ? numel : 1);
		if (in->data)
			memcpy(in->data, raw, numel);
	} else if (!csa_st_get_raw(&st, "inputs", "F32", 4, &raw, &numel)) {
		/* a copy: the tensor in the file need not be float-aligned */
		float *x = malloc(numel * sizeof(float) + 1);

		in->data = malloc(numel ? numel : 1);
		if (x && in->data) {
			memcpy(x, raw, numel * sizeof(float));
			ret = csa_model_quantise_input(model, x, numel, in->data);
			if (ret > 0)
				fprintf(stderr, "csa-run: %s: %d input values saturated to int8\n",
					path, ret);
		} else {
			run_inputs_free(in);	/* reported below */
		}
		free(x);
		if (ret < 0) {
			fprintf(stderr, "csa-run: %s: %s\n", path, csa_last_error());
			csa_st_close(&st);
			run_inputs_free(in);
			return ret;
		}
	} else {
		fprintf(stderr, "csa-run: %s: no tensor \"inputs\" of dtype I8 or F32\n", path);
		csa_st_close(&st);
		return -EINVAL;
	}
	csa_st_close(&st);
	if (!in->data) {
		fprintf(stderr, "csa-run: %s: out of memory\n", path);
		return -ENOMEM;
	}
	if (!numel || numel % info.input_size) {
		fprintf(stderr, "csa-run: %s: \"inputs\" has %llu elements, not a multiple of the model's input (%ux%ux%u = %llu)\n",
			path, (unsigned long long)numel, info.in_c, info.in_h, info.in_w,
			(unsigned long long)info.input_size);
		run_inputs_free(in);
		return -EINVAL;
	}
	in->count = numel / info.input_size;
	in->size = info.input_size;
	return 0;
}

int run_load_reference(const char *path, uint32_t classes, struct run_reference *ref)
{
	struct csa_safetensors st;
	const void *raw;
	uint64_t numel, nl;
	int ret;

	memset(ref, 0, sizeof(*ref));
	if (!is_safetensors(path)) {
		fprintf(stderr, "csa-run: %s: --reference wants a .safetensors[.gz] file with \"logits\"\n",
			path);
		return -EINVAL;
	}
	ret = csa_st_open(path, &st);
	if (ret) {
		fprintf(stderr, "csa-run: %s\n", csa_last_error());
		return ret;
	}
	if (csa_st_get_raw(&st, "logits", "F32", 4, &raw, &numel) || !numel ||
	    numel % classes) {
		fprintf(stderr, "csa-run: %s: no F32 tensor \"logits\" of N x %u (the model's outputs)\n",
			path, classes);
		csa_st_close(&st);
		return -EINVAL;
	}
	ref->count = numel / classes;
	ref->classes = classes;
	ref->logits = malloc(numel * sizeof(float));
	if (ref->logits)
		memcpy(ref->logits, raw, numel * sizeof(float));
	if (!csa_st_get_raw(&st, "labels", "I32", 4, &raw, &nl) && nl == ref->count) {
		ref->labels = malloc(nl * sizeof(int32_t));
		if (ref->labels)
			memcpy(ref->labels, raw, nl * sizeof(int32_t));
	}
	csa_st_close(&st);
	if (!ref->logits) {
		fprintf(stderr, "csa-run: %s: out of memory\n", path);
		return -ENOMEM;
	}
	return 0;
}

void run_inputs_free(struct run_inputs *in)
{
	free(in->data);
	memset(in, 0, sizeof(*in));
}

void run_reference_free(struct run_reference *ref)
{
	free(ref->logits);
	free(ref->labels);
	memset(ref, 0, sizeof(*ref));
}
