// SPDX-License-Identifier: MIT
/*
 * Calibration inputs from a safetensors file (plain or gzip): the tensor
 * "inputs", N samples of the model's input shape, either I8 (quantised at
 * the model's input scale, like the reference file's) or F16/F32 real
 * values.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "pack_internal.h"

int csa_calibration_inputs_load(const char *path, const struct csa_fmodel *m, float **inputsp,
				uint32_t *countp)
{
	static const struct {
		const char *dtype;
		size_t size;
	} types[] = { { "I8", 1 }, { "F32", 4 }, { "F16", 2 } };
	size_t in_numel = (size_t)m->in_c * m->in_h * m->in_w;
	struct csa_safetensors st;
	const uint8_t *data = NULL;
	uint64_t numel = 0;
	char why[256] = "";
	size_t t;
	float *f;
	int ret;

	*inputsp = NULL;
	*countp = 0;
	ret = csa_st_open(path, &st);
	if (ret)
		return ret;
	for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		if (!csa_st_get_raw(&st, "inputs", types[t].dtype, types[t].size,
				    (const void **)&data, &numel))
			break;
		if (!t)	/* the reader's reason, once: missing, malformed, ... */
			snprintf(why, sizeof(why), "%s", csa_last_error());
	}
	if (t == sizeof(types) / sizeof(types[0])) {
		csa_st_close(&st);
		return csa_error(EINVAL, "needs a tensor \"inputs\" of dtype I8, F16 or F32: %s",
				 why);
	}
	if (!numel || numel % in_numel || numel / in_numel > UINT32_MAX) {
		csa_st_close(&st);
		return csa_error(EINVAL, "%s: \"inputs\" has %llu elements, not a whole number of "
				 "%zu-element (%ux%ux%u) inputs", path, (unsigned long long)numel,
				 in_numel, m->in_c, m->in_h, m->in_w);
	}
	f = malloc(numel * sizeof(float));
	if (!f) {
		csa_st_close(&st);
		return csa_error(ENOMEM, "%s: out of memory", path);
	}
	for (uint64_t i = 0; i < numel; i++) {
		if (types[t].size == 1) {
			f[i] = (float)(int8_t)data[i] * m->input_scale;
		} else if (types[t].size == 4) {
			memcpy(&f[i], data + 4 * i, 4);	/* little endian host */
		} else {
			uint16_t h;

			memcpy(&h, data + 2 * i, 2);
			f[i] = csa_f16_to_float(h);
		}
	}
	csa_st_close(&st);
	*inputsp = f;
	*countp = (uint32_t)(numel / in_numel);
	return 0;
}
