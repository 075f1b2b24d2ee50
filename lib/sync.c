// SPDX-License-Identifier: MIT
/*
 * Synchronous conveniences over the asynchronous queue API: submit one job
 * with the queue's own out fence, wait for it, make the buffers it wrote
 * CPU-accessible, and return the job's error.
 */
#include <errno.h>
#include <string.h>

#include "csa_hw.h"
#include "internal.h"

CSA_EXPORT int csa_run_sync(struct csa_queue *queue,
			    const struct csa_bind *binds, uint32_t num_binds,
			    const struct csa_cmd *cmd)
{
	struct csa_sync out;
	struct csa_job job;
	int ret, job_error = 0;

	if (!queue || !cmd)
		return csa_error(EINVAL, "csa_run_sync: queue and cmd must not be NULL");
	if (!queue->sync_fence) {
		ret = csa_fence_create(queue->dev, 0, &queue->sync_fence);
		if (ret)
			return ret;
	}
	out = (struct csa_sync){ .fence = queue->sync_fence };
	job = (struct csa_job){
		.binds = binds,
		.num_binds = num_binds,
		.out = &out,
		.num_out = 1,
		.cmd = *cmd,
	};
	ret = csa_submit(queue, &job);
	if (ret)
		return ret;
	/* Jobs end in bounded time (the kernel's job timeout): no deadline. */
	ret = csa_fence_wait(queue->sync_fence, 0, CSA_DEADLINE_INFINITE);
	if (ret)
		return ret;
	ret = csa_fence_status(queue->sync_fence, 0, &job_error);
	if (ret < 0)
		return ret;
	if (job_error)
		return csa_error(-job_error, "%s: job (opcode %#x) failed: %s",
				 queue->dev->render_node, cmd->opcode,
				 strerror(-job_error));
	/* Done: DMA syncs for the CPU on what the card wrote. */
	for (uint32_t i = 0; i < num_binds; i++) {
		if (!(binds[i].access & DRM_CSA_ACCESS_WRITE))
			continue;
		ret = csa_bo_wait(binds[i].bo, 0, 0);
		if (ret)
			return ret;
	}
	return 0;
}

CSA_EXPORT int csa_nop_sync(struct csa_queue *queue)
{
	const struct csa_cmd cmd = { .opcode = CSA_OP_NOP };

	return csa_run_sync(queue, NULL, 0, &cmd);
}

CSA_EXPORT int csa_copy_sync(struct csa_queue *queue, struct csa_bo *dst,
			     uint64_t dst_offset, struct csa_bo *src,
			     uint64_t src_offset, uint64_t size)
{
	const struct csa_bind binds[2] = {
		{ .bo = dst, .access = DRM_CSA_ACCESS_WRITE },
		{ .bo = src, .access = DRM_CSA_ACCESS_READ },
	};
	const struct csa_cmd cmd = {
		.opcode = CSA_OP_COPY,
		.dst_slot = 0,
		.src_slot = 1,
		.dst_offset = dst_offset,
		.src_offset = src_offset,
		.size = size,
	};

	if (!dst || !src)
		return csa_error(EINVAL, "csa_copy_sync: dst and src must not be NULL");
	if (dst == src)
		return csa_error(EINVAL, "csa_copy_sync: dst and src are the same buffer (a job binds a buffer once)");
	return csa_run_sync(queue, binds, 2, &cmd);
}

CSA_EXPORT int csa_fill_sync(struct csa_queue *queue, struct csa_bo *dst,
			     uint64_t offset, uint64_t size, uint32_t pattern)
{
	const struct csa_bind bind = { .bo = dst, .access = DRM_CSA_ACCESS_WRITE };
	const struct csa_cmd cmd = {
		.opcode = CSA_OP_FILL,
		.dst_offset = offset,
		.size = size,
		.value = pattern,
	};

	if (!dst)
		return csa_error(EINVAL, "csa_fill_sync: dst must not be NULL");
	if (size % 4)
		return csa_error(EINVAL, "csa_fill_sync: size %llu is not a multiple of 4",
				 (unsigned long long)size);
	return csa_run_sync(queue, &bind, 1, &cmd);
}
