// SPDX-License-Identifier: GPL-2.0
/*
 * CSA queue contexts: per-file state, DRM_IOCTL_CSA_QUEUE_CREATE and
 * DRM_IOCTL_CSA_QUEUE_DESTROY.  A context is a drm_sched entity on one
 * hardware queue's scheduler; see docs/uapi.md, "Queues and jobs".
 */
#include <linux/capability.h>
#include <linux/slab.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>

#include "csa_drm.h"
#include "csa_queue.h"
#include "csa_sched_compat.h"

static void csa_queue_ctx_release(struct kref *ref)
{
	struct csa_queue_ctx *ctx = container_of(ref, struct csa_queue_ctx, refcount);

	/*
	 * Waits until every job of the context reached the ring (bounded by
	 * the job timeout), or drops the queued ones if the process is being
	 * killed; jobs on the ring still complete and free themselves.
	 */
	drm_sched_entity_destroy(&ctx->entity);

	/*
	 * drm_sched of 6.1 can return from drm_sched_entity_fini() while its
	 * thread is still inside run_job of the entity's last job: the queue
	 * looks empty once the job is popped, the thread marks the entity
	 * idle only after run_job, and fini waits for that only when jobs
	 * are left in the queue.  The job's scheduled fence signals right
	 * after the thread is done with the entity (or in fini, for a job
	 * dropped there), so after it the entity is ours alone.
	 */
	if (ctx->last_scheduled) {
		dma_fence_wait(ctx->last_scheduled, false);
		dma_fence_put(ctx->last_scheduled);
	}
	mutex_destroy(&ctx->lock);
	csa_ctx_state_put(ctx->state);
	/*
	 * A dependency callback (drm_sched_entity_wakeup) may still read
	 * the entity after the thread saw the dependency cleared; it runs
	 * under the fence's spinlock, so a grace period covers it.
	 */
	kfree_rcu(ctx, rcu);
}

/**
 * csa_ctx_state_put() - drop a reference to a context's shared state
 * @state: the state; freed with the last reference (context or job)
 */
void csa_ctx_state_put(struct csa_ctx_state *state)
{
	if (refcount_dec_and_test(&state->refcount))
		kfree(state);
}

/**
 * csa_queue_ctx_get() - look up a queue context of a file
 * @cfile: the file's state
 * @id: queue id from QUEUE_CREATE
 *
 * Return: the context with a reference (csa_queue_ctx_put()), or NULL.
 */
struct csa_queue_ctx *csa_queue_ctx_get(struct csa_file *cfile, u32 id)
{
	struct csa_queue_ctx *ctx;

	xa_lock(&cfile->queues);
	ctx = xa_load(&cfile->queues, id);
	if (ctx)
		kref_get(&ctx->refcount);
	xa_unlock(&cfile->queues);
	return ctx;
}

/**
 * csa_queue_ctx_put() - drop a context reference; the last one destroys it
 * @ctx: the context
 */
void csa_queue_ctx_put(struct csa_queue_ctx *ctx)
{
	kref_put(&ctx->refcount, csa_queue_ctx_release);
}

int csa_file_open(struct drm_device *drm, struct drm_file *file)
{
	struct csa_file *cfile;

	cfile = kzalloc(sizeof(*cfile), GFP_KERNEL);
	if (!cfile)
		return -ENOMEM;
	xa_init_flags(&cfile->queues, XA_FLAGS_ALLOC1);
	file->driver_priv = cfile;
	return 0;
}

void csa_file_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct csa_file *cfile = file->driver_priv;
	struct csa_queue_ctx *ctx;
	unsigned long id;

	xa_for_each(&cfile->queues, id, ctx) {
		xa_erase(&cfile->queues, id);
		csa_queue_ctx_put(ctx);
	}
	xa_destroy(&cfile->queues);
	kfree(cfile);
}

static const enum drm_sched_priority csa_sched_priority[] = {
	[DRM_CSA_PRIORITY_NORMAL] = DRM_SCHED_PRIORITY_NORMAL,
	[DRM_CSA_PRIORITY_LOW] = CSA_SCHED_PRIORITY_LOW,
	[DRM_CSA_PRIORITY_HIGH] = DRM_SCHED_PRIORITY_HIGH,
};

static int csa_queue_create(struct csa_device *csa, struct csa_file *cfile,
			    struct drm_csa_queue_create *args)
{
	struct drm_gpu_scheduler *sched;
	struct csa_queue_ctx *ctx;
	u32 id;
	int ret;

	if (args->hw_queue >= csa->num_hw_queues)
		return -EINVAL;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return -ENOMEM;
	ctx->state = kzalloc(sizeof(*ctx->state), GFP_KERNEL_ACCOUNT);
	if (!ctx->state) {
		kfree(ctx);
		return -ENOMEM;
	}
	refcount_set(&ctx->state->refcount, 1);
	kref_init(&ctx->refcount);
	mutex_init(&ctx->lock);
	ctx->queue = &csa->queues[args->hw_queue];
	sched = &ctx->queue->sched;
	/* the ban is also the entity's guilty flag: queued jobs are skipped */
	ret = drm_sched_entity_init(&ctx->entity,
				    csa_sched_priority[args->priority],
				    &sched, 1, &ctx->state->banned);
	if (ret)
		goto err_free;

	ret = xa_alloc(&cfile->queues, &id, ctx,
		       XA_LIMIT(1, CSA_QUEUE_CTX_MAX), GFP_KERNEL_ACCOUNT);
	if (ret) {
		drm_sched_entity_destroy(&ctx->entity);
		goto err_free;
	}
	args->queue_id = id;
	return 0;

err_free:
	mutex_destroy(&ctx->lock);
	csa_ctx_state_put(ctx->state);
	kfree(ctx);
	return ret;
}

int csa_ioctl_queue_create(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_csa_queue_create *args = data;
	int idx, ret;

	if (args->flags || args->priority > DRM_CSA_PRIORITY_HIGH)
		return -EINVAL;
	/* Strict priority: above NORMAL may starve others (as amdgpu). */
	if (args->priority == DRM_CSA_PRIORITY_HIGH && !capable(CAP_SYS_NICE))
		return -EACCES;

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	ret = csa_queue_create(to_csa(drm), file->driver_priv, args);
	drm_dev_exit(idx);
	return ret;
}

int csa_ioctl_queue_destroy(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_csa_queue_destroy *args = data;
	struct csa_file *cfile = file->driver_priv;
	struct csa_queue_ctx *ctx;

	if (args->pad)
		return -EINVAL;

	ctx = xa_erase(&cfile->queues, args->queue_id);
	if (!ctx)
		return -ENOENT;
	csa_queue_ctx_put(ctx);
	return 0;
}
