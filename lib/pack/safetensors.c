// SPDX-License-Identifier: MIT
/*
 * safetensors reader: u64 little-endian header length, JSON header
 * {"name": {"dtype", "shape", "data_offsets": [begin, end]}, ...}, then the
 * raw little-endian tensor data.  The file may be gzip-compressed (zlib's
 * gzread reads plain files unchanged).  Every offset is checked against the
 * file before use.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <zlib.h>

#include "internal.h"
#include "pack_internal.h"

static int read_whole(const char *path, uint8_t **datap, size_t *sizep)
{
	gzFile gz = gzopen(path, "rb");
	size_t cap = 1 << 20, len = 0;
	uint8_t *buf;

	if (!gz)
		return csa_error(errno ? errno : ENOMEM, "%s: cannot open: %s", path,
				 strerror(errno ? errno : ENOMEM));
	buf = malloc(cap);
	if (!buf) {
		gzclose(gz);
		return csa_error(ENOMEM, "%s: out of memory", path);
	}
	for (;;) {
		int n;

		if (len == cap) {
			uint8_t *bigger;

			if (cap >= CSA_ST_MAX_SIZE) {
				free(buf);
				gzclose(gz);
				return csa_error(EFBIG, "%s: larger than %llu MiB", path,
						 CSA_ST_MAX_SIZE >> 20);
			}
			bigger = realloc(buf, cap * 2);
			if (!bigger) {
				free(buf);
				gzclose(gz);
				return csa_error(ENOMEM, "%s: out of memory", path);
			}
			buf = bigger;
			cap *= 2;
		}
		n = gzread(gz, buf + len, (unsigned int)(cap - len));
		if (n < 0) {
			int zerr;
			const char *msg = gzerror(gz, &zerr);

			free(buf);
			gzclose(gz);
			return csa_error(EIO, "%s: read error: %s", path, msg);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	gzclose(gz);
	*datap = buf;
	*sizep = len;
	return 0;
}

int csa_st_open(const char *path, struct csa_safetensors *st)
{
	uint64_t hlen = 0;
	json_error_t jerr;
	int ret;

	memset(st, 0, sizeof(*st));
	snprintf(st->path, sizeof(st->path), "%s", path);
	ret = read_whole(path, &st->data, &st->size);
	if (ret)
		return ret;
	if (st->size < 8) {
		ret = csa_error(EINVAL, "%s: not a safetensors file (%zu bytes)", path, st->size);
		goto fail;
	}
	for (int i = 7; i >= 0; i--)
		hlen = (hlen << 8) | st->data[i];
	if (hlen > CSA_ST_MAX_HEADER || hlen > st->size - 8) {
		ret = csa_error(EINVAL, "%s: safetensors header length %llu exceeds the file",
				path, (unsigned long long)hlen);
		goto fail;
	}
	st->header = json_loadb((const char *)st->data + 8, hlen, 0, &jerr);
	if (!st->header || !json_is_object((json_t *)st->header)) {
		ret = csa_error(EINVAL, "%s: safetensors header is not a JSON object: %s",
				path, st->header ? "wrong type" : jerr.text);
		goto fail;
	}
	st->data_start = 8 + hlen;
	return 0;
fail:
	csa_st_close(st);
	return ret;
}

void csa_st_close(struct csa_safetensors *st)
{
	if (st->header)
		json_decref((json_t *)st->header);
	free(st->data);
	st->header = NULL;
	st->data = NULL;
}

/*
 * The data of tensor @name (entry @t), its "data_offsets" checked to span
 * exactly @bytes inside the file.
 */
static int tensor_data(const struct csa_safetensors *st, const char *name, json_t *t,
		       uint64_t bytes, const uint8_t **datap)
{
	json_t *offs = json_object_get(t, "data_offsets");
	uint64_t begin, end;

	if (json_integer_value(json_array_get(offs, 0)) < 0 ||
	    json_integer_value(json_array_get(offs, 1)) < 0)
		return csa_error(EINVAL, "%s: tensor \"%s\": negative offsets", st->path, name);
	begin = (uint64_t)json_integer_value(json_array_get(offs, 0));
	end = (uint64_t)json_integer_value(json_array_get(offs, 1));
	if (end < begin || end - begin != bytes || end > st->size - st->data_start)
		return csa_error(EINVAL, "%s: tensor \"%s\": data [%llu, %llu) does not match "
				 "its shape or lies outside the file", st->path, name,
				 (unsigned long long)begin, (unsigned long long)end);
	*datap = st->data + st->data_start + begin;
	return 0;
}

int csa_st_get_float(const struct csa_safetensors *st, const char *name,
		     const uint32_t *shape, unsigned int ndim, float **out)
{
	json_t *t = json_object_get((json_t *)st->header, name);
	json_t *dtype, *jshape, *offs;
	uint64_t numel = 1, elem;
	const char *dt;
	const uint8_t *src;
	float *dst;
	int ret;

	if (!t || !json_is_object(t))
		return csa_error(EINVAL, "%s: no tensor \"%s\"", st->path, name);
	dtype = json_object_get(t, "dtype");
	jshape = json_object_get(t, "shape");
	offs = json_object_get(t, "data_offsets");
	if (!json_is_string(dtype) || !json_is_array(jshape) || !json_is_array(offs) ||
	    json_array_size(offs) != 2 || !json_is_integer(json_array_get(offs, 0)) ||
	    !json_is_integer(json_array_get(offs, 1)))
		return csa_error(EINVAL, "%s: tensor \"%s\": malformed entry", st->path, name);
	dt = json_string_value(dtype);
	if (!strcmp(dt, "F16"))
		elem = 2;
	else if (!strcmp(dt, "F32"))
		elem = 4;
	else
		return csa_error(EINVAL, "%s: tensor \"%s\": dtype %s, expected F16 or F32",
				 st->path, name, dt);
	if (json_array_size(jshape) != ndim)
		return csa_error(EINVAL, "%s: tensor \"%s\": %zu dimensions, expected %u",
				 st->path, name, json_array_size(jshape), ndim);
	for (unsigned int i = 0; i < ndim; i++) {
		json_t *d = json_array_get(jshape, i);

		if (!json_is_integer(d) || json_integer_value(d) != (json_int_t)shape[i])
			return csa_error(EINVAL, "%s: tensor \"%s\": dimension %u is %lld, expected %u",
					 st->path, name, i,
					 json_is_integer(d) ? (long long)json_integer_value(d) : -1ll,
					 shape[i]);
		numel *= shape[i];
	}
	ret = tensor_data(st, name, t, numel * elem, &src);
	if (ret)
		return ret;
	dst = malloc(numel ? numel * sizeof(float) : 1);
	if (!dst)
		return csa_error(ENOMEM, "%s: out of memory", st->path);
	for (uint64_t i = 0; i < numel; i++) {
		if (elem == 2) {
			dst[i] = csa_f16_to_float((uint16_t)(src[2 * i] | src[2 * i + 1] << 8));
		} else {
			uint32_t bits = (uint32_t)src[4 * i] | (uint32_t)src[4 * i + 1] << 8 |
				(uint32_t)src[4 * i + 2] << 16 | (uint32_t)src[4 * i + 3] << 24;

			memcpy(&dst[i], &bits, sizeof(bits));
		}
		if (!isfinite(dst[i])) {
			free(dst);
			return csa_error(EINVAL, "%s: tensor \"%s\": element %llu is not finite",
					 st->path, name, (unsigned long long)i);
		}
	}
	*out = dst;
	return 0;
}

int csa_st_get_raw(const struct csa_safetensors *st, const char *name, const char *dtype,
		   size_t elem_size, const void **data, uint64_t *numel)
{
	json_t *t = json_object_get((json_t *)st->header, name);
	json_t *dt, *shape, *offs;
	const uint8_t *src;
	uint64_t n = 1;
	int ret;

	if (!json_is_object(t))
		return csa_error(EINVAL, "%s: no tensor \"%s\"", st->path, name);
	dt = json_object_get(t, "dtype");
	shape = json_object_get(t, "shape");
	offs = json_object_get(t, "data_offsets");
	if (!json_is_string(dt) || strcmp(json_string_value(dt), dtype))
		return csa_error(EINVAL, "%s: tensor \"%s\" is not %s", st->path, name, dtype);
	if (!json_is_array(shape) || !json_is_array(offs) || json_array_size(offs) != 2)
		return csa_error(EINVAL, "%s: tensor \"%s\": malformed entry", st->path, name);
	for (size_t i = 0; i < json_array_size(shape); i++) {
		json_int_t d = json_integer_value(json_array_get(shape, i));

		if (d < 0 || d > (1ll << 31))
			return csa_error(EINVAL, "%s: tensor \"%s\": bad dimension", st->path, name);
		n *= (uint64_t)d;
	}
	ret = tensor_data(st, name, t, n * elem_size, &src);
	if (ret)
		return ret;
	*data = src;
	*numel = n;
	return 0;
}
