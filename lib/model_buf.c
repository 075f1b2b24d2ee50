// SPDX-License-Identifier: MIT
/*
 * Buffers of models and inferences: GEM buffer objects mapped for the CPU
 * (zero copy: the host writes inputs and reads outputs in place), or plain
 * page-aligned memory for a model loaded without a card.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "model_internal.h"

int csa_model_buf_alloc(struct csa_device *dev, uint64_t size, struct csa_model_buf *buf)
{
	void *p = NULL;
	int ret;

	memset(buf, 0, sizeof(*buf));
	if (!size)
		size = 1;
	if (!dev) {
		size_t rounded = csa_align_up(size, 4096);

		p = aligned_alloc(4096, rounded);
		if (!p)
			return csa_error(ENOMEM, "model: out of memory for a %llu-byte buffer",
					 (unsigned long long)size);
		memset(p, 0, rounded);
		buf->map = p;
		buf->size = size;
		return 0;
	}
	ret = csa_bo_create(dev, size, 0, &buf->bo);
	if (ret)
		return ret;
	ret = csa_bo_map(buf->bo, &p);
	if (ret) {
		csa_bo_free(buf->bo);
		buf->bo = NULL;
		return ret;
	}
	buf->map = p;
	buf->size = size;
	return 0;
}

void csa_model_buf_free(struct csa_model_buf *buf)
{
	if (buf->bo)
		csa_bo_free(buf->bo);
	else
		free(buf->map);
	memset(buf, 0, sizeof(*buf));
}
