// SPDX-License-Identifier: MIT
/*
 * Queue contexts and job submission: the bind list (buffer + access), the
 * in/out fence points and the command go to DRM_IOCTL_CSA_SUBMIT as they
 * are; the card checks the command's operands.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xf86drm.h>

#include "internal.h"

CSA_EXPORT int csa_queue_create(struct csa_device *dev, uint32_t hw_queue,
				uint32_t priority, struct csa_queue **queuep)
{
	struct drm_csa_queue_create args = {
		.hw_queue = hw_queue,
		.priority = priority,
	};
	struct csa_queue *q;

	if (!dev || !queuep)
		return csa_error(EINVAL, "csa_queue_create: dev and queuep must not be NULL");
	*queuep = NULL;
	if (priority > DRM_CSA_PRIORITY_HIGH)
		return csa_error(EINVAL, "csa_queue_create: unknown priority %u",
				 priority);
	if (drmIoctl(dev->fd, DRM_IOCTL_CSA_QUEUE_CREATE, &args)) {
		int err = errno;

		if (err == EINVAL)
			return csa_error(err, "%s: QUEUE_CREATE on hardware queue %u: invalid (queue index beyond NUM_QUEUES?)",
					 dev->render_node, hw_queue);
		if (err == EACCES)
			return csa_error(err, "%s: QUEUE_CREATE: priority HIGH needs CAP_SYS_NICE",
					 dev->render_node);
		return csa_ioctl_error(dev, err, "QUEUE_CREATE");
	}
	q = calloc(1, sizeof(*q));
	if (!q) {
		struct drm_csa_queue_destroy d = { .queue_id = args.queue_id };

		drmIoctl(dev->fd, DRM_IOCTL_CSA_QUEUE_DESTROY, &d);
		return csa_error(ENOMEM, "out of memory for a queue");
	}
	q->dev = dev;
	q->id = args.queue_id;
	*queuep = q;
	return 0;
}

CSA_EXPORT int csa_queue_destroy(struct csa_queue *queue)
{
	struct drm_csa_queue_destroy args;
	int ret = 0;

	if (!queue)
		return 0;
	args = (struct drm_csa_queue_destroy){ .queue_id = queue->id };
	if (drmIoctl(queue->dev->fd, DRM_IOCTL_CSA_QUEUE_DESTROY, &args))
		ret = csa_ioctl_error(queue->dev, errno, "QUEUE_DESTROY");
	csa_fence_destroy(queue->sync_fence);
	free(queue);
	return ret;
}

static int convert_binds(const struct csa_device *dev, const struct csa_job *job,
			 struct drm_csa_bind *out)
{
	const uint32_t known = DRM_CSA_ACCESS_READ | DRM_CSA_ACCESS_WRITE;

	for (uint32_t i = 0; i < job->num_binds; i++) {
		const struct csa_bind *b = &job->binds[i];

		if (!b->bo)
			return csa_error(EINVAL, "csa_submit: bind slot %u has no buffer", i);
		if (b->bo->dev != dev)
			return csa_error(EXDEV, "csa_submit: bind slot %u: buffer of another device (%s)",
					 i, b->bo->dev->render_node);
		if (!b->access || (b->access & ~known))
			return csa_error(EINVAL, "csa_submit: bind slot %u: access %#x is not a non-empty set of DRM_CSA_ACCESS_READ/WRITE",
					 i, b->access);
		out[i] = (struct drm_csa_bind){
			.handle = b->bo->handle,
			.access = b->access,
		};
	}
	return 0;
}

static int convert_syncs(const struct csa_device *dev, const struct csa_sync *in,
			 uint32_t n, struct drm_csa_sync *out, const char *dir)
{
	for (uint32_t i = 0; i < n; i++) {
		const struct csa_fence *f = in[i].fence;

		if (!f)
			return csa_error(EINVAL, "csa_submit: %s fence %u is NULL", dir, i);
		if (f->dev != dev)
			return csa_error(EXDEV, "csa_submit: %s fence %u belongs to another device (%s)",
					 dir, i, f->dev->render_node);
		if (f->timeline != (in[i].point != 0))
			return csa_error(EINVAL, "csa_submit: %s fence %u: %s",
					 dir, i, f->timeline ?
					 "a timeline fence needs a point > 0" :
					 "a binary fence takes point 0");
		out[i] = (struct drm_csa_sync){
			.handle = f->handle,
			.point = in[i].point,
		};
	}
	return 0;
}

static void convert_cmd(const struct csa_cmd *c, struct drm_csa_cmd *out)
{
	*out = (struct drm_csa_cmd){
		.opcode = c->opcode,
		.flags = c->flags,
		.dst_slot = c->dst_slot,
		.src_slot = c->src_slot,
		.dst_offset = c->dst_offset,
		.src_offset = c->src_offset,
		.size = c->size,
		.value = c->value,
		.status_slot = c->status_slot,
		.status_offset = c->status_offset,
	};
}

/* Arrays up to these sizes live on the stack: the common case allocates nothing. */
#define STACK_BINDS	16

CSA_EXPORT int csa_submit(struct csa_queue *queue, const struct csa_job *job)
{
	struct drm_csa_sync in[DRM_CSA_MAX_SYNCS], out[DRM_CSA_MAX_SYNCS];
	struct drm_csa_bind stack_binds[STACK_BINDS], *binds = stack_binds;
	struct drm_csa_submit args;
	struct csa_device *dev;
	int ret;

	if (!queue || !job)
		return csa_error(EINVAL, "csa_submit: queue and job must not be NULL");
	dev = queue->dev;
	if (job->reserved || job->cmd.reserved)
		return csa_error(EINVAL, "csa_submit: reserved fields must be 0");
	if ((job->num_binds && !job->binds) || (job->num_in && !job->in) ||
	    (job->num_out && !job->out))
		return csa_error(EINVAL, "csa_submit: a bind or fence array is NULL but its count is not 0");
	if (job->num_in > DRM_CSA_MAX_SYNCS || job->num_out > DRM_CSA_MAX_SYNCS)
		return csa_error(E2BIG, "csa_submit: %u in and %u out fences, at most %d each",
				 job->num_in, job->num_out, DRM_CSA_MAX_SYNCS);
	if (job->num_binds > STACK_BINDS) {
		binds = calloc(job->num_binds, sizeof(*binds));
		if (!binds)
			return csa_error(ENOMEM, "csa_submit: out of memory for %u binds",
					 job->num_binds);
	}
	ret = convert_binds(dev, job, binds);
	if (!ret)
		ret = convert_syncs(dev, job->in, job->num_in, in, "in");
	if (!ret)
		ret = convert_syncs(dev, job->out, job->num_out, out, "out");
	if (ret)
		goto out;

	memset(&args, 0, sizeof(args));
	args.queue_id = queue->id;
	args.binds = (uintptr_t)binds;
	args.num_binds = job->num_binds;
	args.in_syncs = (uintptr_t)in;
	args.num_in_syncs = job->num_in;
	args.out_syncs = (uintptr_t)out;
	args.num_out_syncs = job->num_out;
	convert_cmd(&job->cmd, &args.cmd);
	if (drmIoctl(dev->fd, DRM_IOCTL_CSA_SUBMIT, &args)) {
		int err = errno;

		if (err == E2BIG)
			ret = csa_error(err, "%s: SUBMIT with %u binds: more than the card's MAX_BINDS",
					dev->render_node, job->num_binds);
		else if (err == EACCES)
			ret = csa_error(err, "%s: SUBMIT: write access to a read-only buffer",
					dev->render_node);
		else if (err == EBADFD)
			ret = csa_error(err, "%s: SUBMIT: queue %u is banned (one of its jobs hung and was reset): destroy it and create a new one",
					dev->render_node, queue->id);
		else if (err == EBUSY)
			ret = csa_error(err, "%s: SUBMIT: queue %u has too many unfinished jobs: wait for some first",
					dev->render_node, queue->id);
		else
			ret = csa_ioctl_error(dev, err, "SUBMIT");
	}
out:
	if (binds != stack_binds)
		free(binds);
	return ret;
}
