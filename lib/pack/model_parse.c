// SPDX-License-Identifier: MIT
/*
 * .csa parser and validator.  Everything is checked before anything is
 * trusted: sizes first (so no read leaves the buffer), then the header's
 * fields, then the CRC of the whole file, then
 * every field, the shape chain and each packed layer.  Arithmetic on file
 * values is done in 64 bits on values already bounded.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "pack_internal.h"

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static bool positive_finite(float f)
{
	return f > 0 && isfinite(f);
}

static int check_header(const struct csa_model_hdr *h, size_t size)
{
	uint64_t table_end;

	if (memcmp(h->magic, CSA_MODEL_MAGIC, CSA_MODEL_MAGIC_LEN))
		return csa_error(EINVAL, "not a CSA model file (bad magic)");
	if (h->version != CSA_MODEL_VERSION)
		return csa_error(EINVAL, "model file version %u, this library reads %u",
				 h->version, CSA_MODEL_VERSION);
	if (h->hdr_size != CSA_MODEL_HDR_SIZE || h->layer_size != CSA_MODEL_LAYER_SIZE)
		return csa_error(EINVAL, "header size %u / layer entry size %u, expected %d / %d",
				 h->hdr_size, h->layer_size, CSA_MODEL_HDR_SIZE, CSA_MODEL_LAYER_SIZE);
	if (h->format_version != CSA_FORMAT_VERSION)
		return csa_error(EINVAL, "packed-layer format version %u, this library reads %u",
				 h->format_version, CSA_FORMAT_VERSION);
	if (h->flags)
		return csa_error(EINVAL, "header flags 0x%x: none are defined", h->flags);
	if (!all_zero(h->reserved, sizeof(h->reserved)))
		return csa_error(EINVAL, "header reserved field is not zero");
	if (h->file_size != size)
		return csa_error(EINVAL, "file is %zu bytes but its header says %llu (%s)", size,
				 (unsigned long long)h->file_size,
				 size < h->file_size ? "truncated" : "trailing data");
	if (!h->num_layers || h->num_layers > CSA_MODEL_MAX_LAYERS)
		return csa_error(EINVAL, "%u layers (1..%d)", h->num_layers, CSA_MODEL_MAX_LAYERS);
	if (h->layer_table_off % CSA_MODEL_ALIGN || h->data_off % CSA_MODEL_ALIGN)
		return csa_error(EINVAL, "layer table (%llu) or data (%llu) offset not %d-byte aligned",
				 (unsigned long long)h->layer_table_off,
				 (unsigned long long)h->data_off, CSA_MODEL_ALIGN);
	if (h->layer_table_off < CSA_MODEL_HDR_SIZE || h->layer_table_off > size)
		return csa_error(EINVAL, "layer table offset %llu outside the file",
				 (unsigned long long)h->layer_table_off);
	table_end = h->layer_table_off + (uint64_t)h->num_layers * CSA_MODEL_LAYER_SIZE;
	if (table_end > size)
		return csa_error(EINVAL, "layer table [%llu, %llu) runs past the end of the file (%zu)",
				 (unsigned long long)h->layer_table_off,
				 (unsigned long long)table_end, size);
	if (h->data_off < table_end || h->data_off > size || h->data_size != size - h->data_off)
		return csa_error(EINVAL, "data section [%llu, +%llu) does not follow the layer "
				 "table and end the file", (unsigned long long)h->data_off,
				 (unsigned long long)h->data_size);
	if (!h->in_c || !h->in_h || !h->in_w || !h->out_c || !h->out_h || !h->out_w)
		return csa_error(EINVAL, "input or output shape has a zero dimension");
	if (!positive_finite(h->input_scale) || !positive_finite(h->output_scale))
		return csa_error(EINVAL, "input scale %g / output scale %g must be positive",
				 h->input_scale, h->output_scale);
	if (h->input_zero_point < -128 || h->input_zero_point > 127 ||
	    h->output_zero_point < -128 || h->output_zero_point > 127)
		return csa_error(EINVAL, "zero points %d / %d outside the int8 range",
				 h->input_zero_point, h->output_zero_point);
	return 0;
}

/* The shape after k-WTA and pooling, for the next layer. */
static void layer_output(const struct csa_model_layer *l, uint64_t s[3])
{
	s[0] = l->out_c;
	s[1] = l->pool ? l->out_h / l->pool : l->out_h;
	s[2] = l->pool ? l->out_w / l->pool : l->out_w;
}

static int check_layer(const struct csa_model_layer *l, uint32_t i, const uint64_t in[3],
		       uint64_t prev_end, size_t size)
{
	const char *what = l->type == CSA_MODEL_LAYER_CONV2D ? "conv2d" : "linear";
	uint64_t numel = (uint64_t)l->out_c * l->out_h * l->out_w;

	if (l->type != CSA_MODEL_LAYER_CONV2D && l->type != CSA_MODEL_LAYER_LINEAR)
		return csa_error(EINVAL, "layer %u: unknown type %u", i, l->type);
	if (l->flags & ~CSA_MODEL_LF_ALL)
		return csa_error(EINVAL, "layer %u: unknown flags 0x%x", i, l->flags & ~CSA_MODEL_LF_ALL);
	if (l->reserved0 || !all_zero(l->reserved, sizeof(l->reserved)))
		return csa_error(EINVAL, "layer %u: reserved fields are not zero", i);
	if (!l->in_c || !l->in_h || !l->in_w || !l->out_c || !l->out_h || !l->out_w)
		return csa_error(EINVAL, "layer %u (%s): a dimension is zero", i, what);
	if (l->type == CSA_MODEL_LAYER_CONV2D) {
		if (l->in_c != in[0] || l->in_h != in[1] || l->in_w != in[2])
			return csa_error(EINVAL, "layer %u: input %ux%ux%u does not match the previous "
					 "output %llux%llux%llu", i, l->in_c, l->in_h, l->in_w,
					 (unsigned long long)in[0], (unsigned long long)in[1],
					 (unsigned long long)in[2]);
		if (!l->kernel_h || !l->kernel_w || !l->stride_h || !l->stride_w ||
		    l->pad_h >= l->kernel_h || l->pad_w >= l->kernel_w ||
		    (uint64_t)l->in_h + 2u * l->pad_h < l->kernel_h ||
		    (uint64_t)l->in_w + 2u * l->pad_w < l->kernel_w ||
		    l->out_h != ((uint64_t)l->in_h + 2u * l->pad_h - l->kernel_h) / l->stride_h + 1 ||
		    l->out_w != ((uint64_t)l->in_w + 2u * l->pad_w - l->kernel_w) / l->stride_w + 1)
			return csa_error(EINVAL, "layer %u: conv window %ux%u stride %u/%u pad %u/%u "
					 "does not map %ux%u to %ux%u", i, l->kernel_h, l->kernel_w,
					 l->stride_h, l->stride_w, l->pad_h, l->pad_w, l->in_h,
					 l->in_w, l->out_h, l->out_w);
	} else {
		if ((uint64_t)l->in_c * l->in_h * l->in_w != in[0] * in[1] * in[2])
			return csa_error(EINVAL, "layer %u: linear input of %llu features, the previous "
					 "output has %llu", i,
					 (unsigned long long)l->in_c * l->in_h * l->in_w,
					 (unsigned long long)(in[0] * in[1] * in[2]));
		if (l->out_h != 1 || l->out_w != 1 || l->kernel_h || l->kernel_w || l->stride_h ||
		    l->stride_w || l->pad_h || l->pad_w)
			return csa_error(EINVAL, "layer %u: linear layer with a spatial output or a "
					 "window", i);
	}
	if (!!(l->flags & CSA_MODEL_LF_MAXPOOL) != !!l->pool || l->pool == 1 ||
	    l->pool > l->out_h || l->pool > l->out_w)
		return csa_error(EINVAL, "layer %u: max-pool %u inconsistent with its flag or the "
				 "%ux%u output", i, l->pool, l->out_h, l->out_w);
	if (!!(l->flags & CSA_MODEL_LF_KWTA) != !!l->kwta_k ||
	    (!(l->flags & CSA_MODEL_LF_KWTA) &&
	     (l->flags & (CSA_MODEL_LF_KWTA_LOCAL | CSA_MODEL_LF_BOOST))) ||
	    l->kwta_k > ((l->flags & CSA_MODEL_LF_KWTA_LOCAL) ? l->out_c : numel))
		return csa_error(EINVAL, "layer %u: k-WTA k = %u inconsistent with its flags "
				 "0x%x or the output size", i, l->kwta_k, l->flags);
	if (!l->k || !l->groups || (uint64_t)l->groups * l->k < l->out_c)
		return csa_error(EINVAL, "layer %u: K = %u and %u groups cannot hold %u units",
				 i, l->k, l->groups, l->out_c);
	if (!positive_finite(l->in_scale) || !positive_finite(l->out_scale))
		return csa_error(EINVAL, "layer %u: scales %g / %g must be positive", i,
				 l->in_scale, l->out_scale);
	if (l->blob_off % CSA_MODEL_ALIGN || l->blob_off < prev_end || l->blob_off > size ||
	    l->blob_size < CSA_LAYER_HDR_SIZE || l->blob_size > size - l->blob_off)
		return csa_error(EINVAL, "layer %u: packed layer [%llu, +%llu) not aligned, "
				 "overlapping the previous one or outside the file", i,
				 (unsigned long long)l->blob_off, (unsigned long long)l->blob_size);
	return 0;
}

static int check_blob(const uint8_t *data, const struct csa_model_layer *l, uint32_t i)
{
	const uint8_t *b = data + l->blob_off;
	struct csa_layer_hdr h;
	uint64_t cols = l->type == CSA_MODEL_LAYER_CONV2D ?
		(uint64_t)l->in_c * l->kernel_h * l->kernel_w :
		(uint64_t)l->in_c * l->in_h * l->in_w;
	int ret = csa_packed_layer_check(b, l->blob_size);

	if (ret)
		return csa_error_prefix(ret, "layer %u", i);
	memcpy(&h, b, sizeof(h));
	if (h.total_size != l->blob_size || h.units != l->out_c || h.cols != cols ||
	    h.k != l->k || h.groups != l->groups)
		return csa_error(EINVAL, "layer %u: packed layer (%u units, %u columns, k %u, %u "
				 "groups, %u bytes) disagrees with the table (%u, %llu, %u, %u, %llu)",
				 i, h.units, h.cols, h.k, h.groups, h.total_size, l->out_c,
				 (unsigned long long)cols,
				 l->k, l->groups, (unsigned long long)l->blob_size);
	if (!!h.boost_off != !!(l->flags & CSA_MODEL_LF_BOOST))
		return csa_error(EINVAL, "layer %u: boost flag and packed boost array disagree", i);
	return 0;
}

int csa_model_parse(const void *data, size_t size, struct csa_model_view *view)
{
	const struct csa_model_hdr *h = data;
	const struct csa_model_layer *layers;
	uint64_t shape[3], prev_end;
	uint32_t max_k = 0, crc;
	uint64_t max_act;
	int ret;

	memset(view, 0, sizeof(*view));
	if (!data && size)
		return csa_error(EINVAL, "no data");
	if ((uintptr_t)data % 8)
		return csa_error(EINVAL, "model data must be 8-byte aligned");
	if (size > CSA_MODEL_MAX_FILE_SIZE)
		return csa_error(EFBIG, "model file of %zu bytes exceeds the %llu-byte limit", size,
				 CSA_MODEL_MAX_FILE_SIZE);
	if (size < CSA_MODEL_HDR_SIZE)
		return csa_error(EINVAL, "model file truncated: %zu bytes, the header alone is %d",
				 size, CSA_MODEL_HDR_SIZE);
	ret = check_header(h, size);
	if (ret)
		return ret;
	crc = csa_model_crc(data, size);
	if (crc != h->crc32)
		return csa_error(EBADMSG, "model file corrupt: CRC32 0x%08x, header says 0x%08x",
				 crc, h->crc32);
	layers = (const struct csa_model_layer *)((const uint8_t *)data + h->layer_table_off);
	shape[0] = h->in_c, shape[1] = h->in_h, shape[2] = h->in_w;
	max_act = shape[0] * shape[1] * shape[2];
	prev_end = h->data_off;
	for (uint32_t i = 0; i < h->num_layers; i++) {
		const struct csa_model_layer *l = &layers[i];

		ret = check_layer(l, i, shape, prev_end, size);
		if (!ret)
			ret = check_blob(data, l, i);
		if (ret)
			return ret;
		prev_end = l->blob_off + l->blob_size;
		if (l->k > max_k)
			max_k = l->k;
		if ((uint64_t)l->out_c * l->out_h * l->out_w > max_act)
			max_act = (uint64_t)l->out_c * l->out_h * l->out_w;
		layer_output(l, shape);
	}
	if (shape[0] != h->out_c || shape[1] != h->out_h || shape[2] != h->out_w)
		return csa_error(EINVAL, "output shape %ux%ux%u is not the last layer's "
				 "%llux%llux%llu", h->out_c, h->out_h, h->out_w,
				 (unsigned long long)shape[0], (unsigned long long)shape[1],
				 (unsigned long long)shape[2]);
	if (max_k != h->max_k)
		return csa_error(EINVAL, "max_k %u is not the largest layer K %u", h->max_k, max_k);
	if (max_act > UINT32_MAX || h->max_activation != max_act)
		return csa_error(EINVAL, "max_activation %u is not the largest tensor %llu",
				 h->max_activation, (unsigned long long)max_act);
	view->data = data;
	view->size = size;
	view->hdr = h;
	view->layers = layers;
	return 0;
}

const struct csa_layer_hdr *csa_model_layer_blob(const struct csa_model_view *view,
						 uint32_t index)
{
	if (!view->hdr || index >= view->hdr->num_layers)
		return NULL;
	return (const struct csa_layer_hdr *)(view->data + view->layers[index].blob_off);
}

int csa_model_read_file(const char *path, void **datap, size_t *sizep)
{
	struct stat st;
	uint8_t *buf;
	size_t done = 0, alloc;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*datap = NULL;
	*sizep = 0;
	if (fd < 0)
		return csa_error(errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return csa_error(EINVAL, "%s: not a regular file", path);
	}
	if ((uint64_t)st.st_size > CSA_MODEL_MAX_FILE_SIZE) {
		close(fd);
		return csa_error(EFBIG, "%s: %lld bytes exceeds the %llu-byte limit", path,
				 (long long)st.st_size, CSA_MODEL_MAX_FILE_SIZE);
	}
	alloc = csa_align_up((uint64_t)st.st_size ? (uint64_t)st.st_size : 1, CSA_MODEL_ALIGN);
	buf = aligned_alloc(CSA_MODEL_ALIGN, alloc);
	if (!buf) {
		close(fd);
		return csa_error(ENOMEM, "%s: out of memory", path);
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : EIO;

			free(buf);
			close(fd);
			return csa_error(err, "%s: read failed: %s", path,
					 n < 0 ? strerror(err) : "file shrank");
		}
		done += (size_t)n;
	}
	close(fd);
	*datap = buf;
	*sizep = done;
	return 0;
}
