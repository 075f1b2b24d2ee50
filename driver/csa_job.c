// SPDX-License-Identifier: GPL-2.0
/*
 * CSA jobs: DRM_IOCTL_CSA_SUBMIT.  Everything userspace passes is checked
 * before anything is committed; the job's buffers become a bind table and
 * segment tables in DMA memory that the card walks, its in-fences and the
 * implicit fences of its buffers become scheduler dependencies, and its
 * finished fence goes to the buffers and the out-syncobjs.  The kernel does
 * not look at slots, ranges or opcodes: the card checks them.
 */
#include <linux/dma-fence-chain.h>
#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/dma-resv.h>
#include <linux/overflow.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_syncobj.h>

#include "csa_drm.h"
#include "csa_gem.h"
#include "csa_queue.h"
#include "csa_sched_compat.h"
#include "csa_trace.h"

#define CSA_ACCESS_MASK		(DRM_CSA_ACCESS_READ | DRM_CSA_ACCESS_WRITE)
#define CSA_OFFSET_LIMIT	BIT_ULL(48)
/* An operand's slot field is 16 bits; larger slots stay invalid for the card. */
#define CSA_OPERAND_SLOT_MAX	0xffffu

static_assert(CSA_ACCESS_READ == DRM_CSA_ACCESS_READ);
static_assert(CSA_ACCESS_WRITE == DRM_CSA_ACCESS_WRITE);
static_assert(sizeof(struct csa_bind_slot) == 32 && sizeof(struct csa_seg) == 16);
/* The user-visible part of the hardware contract (uapi/csa_drm.h). */
#define CSA_UAPI_SAME(uapi, hw)	static_assert((uapi) == (hw))
CSA_UAPI_SAME(DRM_CSA_OP_NOP, CSA_OP_NOP);
CSA_UAPI_SAME(DRM_CSA_OP_FILL, CSA_OP_FILL);
CSA_UAPI_SAME(DRM_CSA_OP_COPY, CSA_OP_COPY);
CSA_UAPI_SAME(DRM_CSA_OP_WRITE_VALUE, CSA_OP_WRITE_VALUE);
CSA_UAPI_SAME(DRM_CSA_OP_TIMESTAMP, CSA_OP_TIMESTAMP);
CSA_UAPI_SAME(DRM_CSA_OP_PROGRAM, CSA_OP_PROGRAM);
CSA_UAPI_SAME(DRM_CSA_OP_DEBUG_HANG, CSA_OP_DEBUG_HANG);
CSA_UAPI_SAME(DRM_CSA_OP_DEBUG_DMA_ERROR, CSA_OP_DEBUG_DMA_ERROR);
CSA_UAPI_SAME(DRM_CSA_OP_DEBUG_CRASH, CSA_OP_DEBUG_CRASH);
CSA_UAPI_SAME(DRM_CSA_OP_DEBUG_DELAY, CSA_OP_DEBUG_DELAY);
CSA_UAPI_SAME(DRM_CSA_STATUS_OK, CSA_STATUS_OK);
CSA_UAPI_SAME(DRM_CSA_STATUS_BAD_OPCODE, CSA_STATUS_BAD_OPCODE);
CSA_UAPI_SAME(DRM_CSA_STATUS_BAD_DESC, CSA_STATUS_BAD_DESC);
CSA_UAPI_SAME(DRM_CSA_STATUS_BAD_BIND, CSA_STATUS_BAD_BIND);
CSA_UAPI_SAME(DRM_CSA_STATUS_BAD_SLOT, CSA_STATUS_BAD_SLOT);
CSA_UAPI_SAME(DRM_CSA_STATUS_OUT_OF_BOUNDS, CSA_STATUS_OUT_OF_BOUNDS);
CSA_UAPI_SAME(DRM_CSA_STATUS_ACCESS, CSA_STATUS_ACCESS);
CSA_UAPI_SAME(DRM_CSA_STATUS_DMA_ERROR, CSA_STATUS_DMA_ERROR);
CSA_UAPI_SAME(DRM_CSA_STATUS_PROGRAM, CSA_STATUS_PROGRAM);
CSA_UAPI_SAME(sizeof(struct drm_csa_cpl), CSA_CPL_SIZE);
CSA_UAPI_SAME(offsetof(struct drm_csa_cpl, status), offsetof(struct csa_cpl, status));
CSA_UAPI_SAME(offsetof(struct drm_csa_cpl, detail), offsetof(struct csa_cpl, detail));
CSA_UAPI_SAME(offsetof(struct drm_csa_cpl, cycles), offsetof(struct csa_cpl, cycles));
CSA_UAPI_SAME(offsetof(struct drm_csa_cpl, timestamp), offsetof(struct csa_cpl, timestamp));

/**
 * struct csa_submit - what one SUBMIT ioctl collects before committing
 * @binds: copy of the user's bind array
 * @in_syncs: copy of the user's in-sync array
 * @out_syncs: copy of the user's out-sync array
 * @out_syncobjs: the out-syncobjs, referenced
 * @chains: preallocated chain nodes for timeline out-points
 * @objs: the bound objects in slot order (for the reservation locks)
 */
struct csa_submit {
	struct drm_csa_bind *binds;
	struct drm_csa_sync *in_syncs;
	struct drm_csa_sync *out_syncs;
	struct drm_syncobj **out_syncobjs;
	struct dma_fence_chain **chains;
	struct drm_gem_object **objs;
};

static inline u64 csa_le64(u64 v)
{
	return (__force u64)cpu_to_le64(v);
}

static inline u32 csa_le32(u32 v)
{
	return (__force u32)cpu_to_le32(v);
}

static u64 csa_operand(u32 slot, u64 offset)
{
	return CSA_OPERAND(min(slot, CSA_OPERAND_SLOT_MAX), offset);
}

/**
 * csa_job_free() - release everything a job holds
 * @job: a job that never reached the scheduler, or one whose scheduler
 *       part was cleaned up already (drm_sched_job_cleanup())
 */
void csa_job_free(struct csa_job *job)
{
	u32 i;

	if (job->fence_live)
		dma_fence_put(&job->fence->base);
	else
		kfree(job->fence);
	csa_dma_release(job->queue->csa, &job->tables_res);
	for (i = 0; i < job->num_bos; i++)
		drm_gem_object_put(job->bos[i].obj);
	if (job->state) {
		atomic_dec(&job->state->jobs);
		csa_ctx_state_put(job->state);
	}
	kfree(job);
}

/**
 * csa_job_sync() - hand a job's buffers to the card or back to the CPU
 * @job: a job holding its buffers
 * @for_cpu: false when the job starts on the card (after its in-fences),
 *           true when the card is done with it (before its fence signals;
 *           only the slots the card may have written)
 *
 * Never sleeps or allocates: called on the fence signalling paths.
 */
void csa_job_sync(struct csa_job *job, bool for_cpu)
{
	u32 i;

	for (i = 0; i < job->num_bos; i++)
		if (!for_cpu || job->bos[i].access & DRM_CSA_ACCESS_WRITE)
			csa_bo_sync(job->bos[i].obj, for_cpu);
}

/* The checks that need nothing but the ioctl struct, in field order. */
static int csa_submit_check_args(const struct drm_csa_submit *args)
{
	const struct drm_csa_cmd *cmd = &args->cmd;

	if (args->flags || args->pad)
		return -EINVAL;
	if (args->num_binds > CSA_MAX_BINDS ||
	    args->num_in_syncs > DRM_CSA_MAX_SYNCS ||
	    args->num_out_syncs > DRM_CSA_MAX_SYNCS)
		return -E2BIG;
	if (cmd->flags & ~DRM_CSA_CMD_STATUS || cmd->pad)
		return -EINVAL;
	if (cmd->dst_offset >= CSA_OFFSET_LIMIT ||
	    cmd->src_offset >= CSA_OFFSET_LIMIT ||
	    cmd->status_offset >= CSA_OFFSET_LIMIT)
		return -EINVAL;
	return 0;
}

/*
 * Copy @n elements of @size bytes from user pointer @uptr into a new
 * kvmalloc'ed array at *@to (left NULL for none and on failure).
 */
static int csa_copy_array(void *to, u64 uptr, u32 n, size_t size)
{
	void *p;

	if (!n)
		return 0;
	p = vmemdup_user(u64_to_user_ptr(uptr), array_size(n, size));
	if (IS_ERR(p))
		return PTR_ERR(p);
	*(void **)to = p;
	return 0;
}

static int csa_submit_copy_in(struct csa_submit *s, const struct drm_csa_submit *args)
{
	u32 i, j;
	int ret;

	ret = csa_copy_array(&s->binds, args->binds, args->num_binds,
			     sizeof(*s->binds));
	if (!ret)
		ret = csa_copy_array(&s->in_syncs, args->in_syncs,
				     args->num_in_syncs, sizeof(*s->in_syncs));
	if (!ret)
		ret = csa_copy_array(&s->out_syncs, args->out_syncs,
				     args->num_out_syncs, sizeof(*s->out_syncs));
	if (ret)
		return ret;

	for (i = 0; i < args->num_binds; i++) {
		u32 access = s->binds[i].access;

		if (!access || access & ~CSA_ACCESS_MASK)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (s->binds[j].handle == s->binds[i].handle)
				return -EINVAL;
	}
	for (i = 0; i < args->num_in_syncs; i++)
		if (s->in_syncs[i].flags)
			return -EINVAL;
	for (i = 0; i < args->num_out_syncs; i++)
		if (s->out_syncs[i].flags)
			return -EINVAL;
	return 0;
}

static void csa_submit_release(struct csa_submit *s, const struct drm_csa_submit *args)
{
	u32 i;

	for (i = 0; s->out_syncobjs && i < args->num_out_syncs; i++) {
		if (s->out_syncobjs[i])
			drm_syncobj_put(s->out_syncobjs[i]);
		if (s->chains && s->chains[i])
			dma_fence_chain_free(s->chains[i]);
	}
	kvfree(s->out_syncobjs);
	kvfree(s->chains);
	kvfree(s->objs);
	kvfree(s->out_syncs);
	kvfree(s->in_syncs);
	kvfree(s->binds);
}

/* Look up, reference and DMA-map every bound buffer. */
static int csa_job_bind(struct csa_job *job, struct csa_submit *s,
			struct drm_file *file, u32 num_binds)
{
	u32 i, j;

	for (i = 0; i < num_binds; i++) {
		struct csa_job_bo *bo = &job->bos[i];
		const struct csa_segtab *tab;

		bo->obj = drm_gem_object_lookup(file, s->binds[i].handle);
		if (!bo->obj)
			return -ENOENT;
		job->num_bos++;
		s->objs[i] = bo->obj;
		for (j = 0; j < i; j++)	/* one object, two handles */
			if (job->bos[j].obj == bo->obj)
				return -EINVAL;

		bo->access = s->binds[i].access;
		if (bo->access & DRM_CSA_ACCESS_WRITE && csa_bo_is_read_only(bo->obj))
			return -EACCES;

		tab = csa_bo_segtab(bo->obj);
		if (IS_ERR(tab))
			return PTR_ERR(tab);
		bo->segtab = tab;
	}
	return 0;
}

static int csa_job_tables_alloc(struct csa_dma_res *res)
{
	struct csa_job *job = container_of(res, struct csa_job, tables_res);

	job->tables = dma_pool_alloc(job->queue->csa->bind_pool, GFP_KERNEL,
				     &job->tables_dma);
	return job->tables ? 0 : -ENOMEM;
}

static void csa_job_tables_free(struct csa_dma_res *res)
{
	struct csa_job *job = container_of(res, struct csa_job, tables_res);

	dma_pool_free(job->queue->csa->bind_pool, job->tables, job->tables_dma);
	job->tables = NULL;
}

/*
 * Write the bind table: one struct csa_bind_slot per bound object, each
 * pointing at the object's own segment table (csa_segtab.c).  The table
 * is one fixed-size block of the device's pool, whatever the objects'
 * sizes.
 */
static int csa_job_build_tables(struct csa_job *job)
{
	struct csa_bind_slot *slots;
	u32 i;
	int ret;

	if (!job->num_bos)
		return 0;
	ret = csa_dma_setup(job->queue->csa, &job->tables_res,
			    csa_job_tables_alloc, csa_job_tables_free);
	if (ret)
		return ret;

	slots = job->tables;
	for (i = 0; i < job->num_bos; i++) {
		const struct csa_segtab *tab = job->bos[i].segtab;

		slots[i].segs = csa_le64(tab->dma[0]);
		slots[i].size = csa_le64(tab->size);
		slots[i].num_segs = csa_le32(tab->nsegs);
		slots[i].access = csa_le32(job->bos[i].access);
		slots[i].tag = 0;
	}
	return 0;
}

static void csa_job_build_desc(struct csa_job *job, const struct drm_csa_cmd *cmd)
{
	struct csa_desc *d = &job->desc;
	u32 flags = CSA_DESC_F_IRQ;

	if (cmd->flags & DRM_CSA_CMD_STATUS)
		flags |= CSA_DESC_F_STATUS;
	d->opcode = csa_le32(cmd->opcode);
	d->flags = csa_le32(flags);
	d->bind_table = csa_le64(job->num_bos ? job->tables_dma : 0);
	d->num_binds = csa_le32(job->num_bos);
	d->dst = csa_le64(csa_operand(cmd->dst_slot, cmd->dst_offset));
	d->src = csa_le64(csa_operand(cmd->src_slot, cmd->src_offset));
	d->size = csa_le64(cmd->size);
	d->value = csa_le64(cmd->value);
	if (cmd->flags & DRM_CSA_CMD_STATUS)
		d->status = csa_le64(csa_operand(cmd->status_slot, cmd->status_offset));
}

static int csa_submit_in_syncs(struct csa_job *job, struct csa_submit *s,
			       struct drm_file *file, u32 n)
{
	u32 i;
	int ret;

	for (i = 0; i < n; i++) {
		struct dma_fence *fence;

		ret = drm_syncobj_find_fence(file, s->in_syncs[i].handle,
					     s->in_syncs[i].point, 0, &fence);
		if (ret)
			return ret;
		ret = drm_sched_job_add_dependency(&job->base, fence);
		if (ret)
			return ret;
	}
	return 0;
}

static int csa_submit_out_syncs(struct csa_submit *s, struct drm_file *file, u32 n)
{
	u32 i;

	if (!n)
		return 0;
	s->out_syncobjs = kvcalloc(n, sizeof(*s->out_syncobjs), GFP_KERNEL);
	s->chains = kvcalloc(n, sizeof(*s->chains), GFP_KERNEL);
	if (!s->out_syncobjs || !s->chains)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		s->out_syncobjs[i] = drm_syncobj_find(file, s->out_syncs[i].handle);
		if (!s->out_syncobjs[i])
			return -ENOENT;
		if (s->out_syncs[i].point) {
			s->chains[i] = dma_fence_chain_alloc();
			if (!s->chains[i])
				return -ENOMEM;
		}
	}
	return 0;
}

/* Publish the job's fence in the out-syncobjs; consumes the chain nodes. */
static void csa_submit_signal_out(struct csa_submit *s, u32 n, struct dma_fence *fence)
{
	u32 i;

	for (i = 0; i < n; i++) {
		if (s->chains[i]) {
			drm_syncobj_add_point(s->out_syncobjs[i], s->chains[i],
					      fence, s->out_syncs[i].point);
			s->chains[i] = NULL;
		} else {
			drm_syncobj_replace_fence(s->out_syncobjs[i], fence);
		}
	}
}

/*
 * Implicit synchronisation: with every reservation locked, the job waits
 * for the writers of its READ slots and for everybody on its WRITE slots.
 */
static int csa_job_implicit_deps(struct csa_job *job)
{
	u32 i;
	int ret;

	for (i = 0; i < job->num_bos; i++) {
		struct csa_job_bo *bo = &job->bos[i];

		ret = dma_resv_reserve_fences(bo->obj->resv, 1);
		if (ret)
			return ret;
		ret = drm_sched_job_add_implicit_dependencies(&job->base, bo->obj,
							      bo->access & DRM_CSA_ACCESS_WRITE);
		if (ret)
			return ret;
	}
	return 0;
}

static int csa_submit(struct drm_file *file, const struct drm_csa_submit *args)
{
	struct csa_submit s = {};
	struct ww_acquire_ctx acquire;
	struct csa_queue_ctx *ctx;
	struct dma_fence *finished;
	struct csa_job *job;
	bool sched_init = false;
	u32 i;
	int ret;

	ret = csa_submit_copy_in(&s, args);
	if (ret)
		goto out_release;

	ctx = csa_queue_ctx_get(file->driver_priv, args->queue_id);
	if (!ctx) {
		ret = -ENOENT;
		goto out_release;
	}
	/* A context whose job hung takes no more jobs (docs/uapi.md). */
	if (atomic_read(&ctx->state->banned)) {
		ret = -EBADFD;
		goto out_ctx;
	}

	s.objs = kvcalloc(max(args->num_binds, 1u), sizeof(*s.objs), GFP_KERNEL);
	job = kzalloc(struct_size(job, bos, args->num_binds), GFP_KERNEL_ACCOUNT);
	if (!s.objs || !job) {
		kfree(job);
		ret = -ENOMEM;
		goto out_ctx;
	}
	job->queue = ctx->queue;
	INIT_LIST_HEAD(&job->tables_res.node);
	/* Bounded: a context cannot queue kernel memory without limit. */
	if (atomic_inc_return(&ctx->state->jobs) > CSA_CTX_MAX_JOBS) {
		atomic_dec(&ctx->state->jobs);
		kfree(job);
		ret = -EBUSY;
		goto out_ctx;
	}
	refcount_inc(&ctx->state->refcount);
	job->state = ctx->state;
	/* run_job must not allocate: its hardware fence is made now. */
	job->fence = kzalloc(sizeof(*job->fence), GFP_KERNEL_ACCOUNT);
	if (!job->fence) {
		ret = -ENOMEM;
		goto out_job;
	}
	job->fence->queue = job->queue;
	job->fence->job = job;

	ret = csa_job_bind(job, &s, file, args->num_binds);
	if (ret)
		goto out_job;
	ret = csa_job_build_tables(job);
	if (ret)
		goto out_job;
	csa_job_build_desc(job, &args->cmd);

	ret = csa_sched_job_init(&job->base, &ctx->entity, file);
	if (ret)
		goto out_job;
	sched_init = true;

	ret = csa_submit_in_syncs(job, &s, file, args->num_in_syncs);
	if (ret)
		goto out_job;
	ret = csa_submit_out_syncs(&s, file, args->num_out_syncs);
	if (ret)
		goto out_job;

	if (job->num_bos) {
		ret = drm_gem_lock_reservations(s.objs, job->num_bos, &acquire);
		if (ret)
			goto out_job;
	}
	ret = csa_job_implicit_deps(job);
	if (ret)
		goto out_unlock;

	/*
	 * Point of no return: nothing below fails.  Once pushed, the job
	 * belongs to the scheduler and may run and be freed at any moment,
	 * so everything that reads it (its buffers, their locks) is done
	 * before the push.
	 */
	mutex_lock(&ctx->lock);
	drm_sched_job_arm(&job->base);
	finished = dma_fence_get(&job->base.s_fence->finished);
	trace_csa_job_submit(job);
	csa_dbg(file->minor->dev->dev, JOB, "%s: submit fence %llu:%llu opcode 0x%x, %u buffers\n",
		job->queue->name, finished->context, finished->seqno,
		args->cmd.opcode, job->num_bos);
	dma_fence_put(ctx->last_scheduled);
	ctx->last_scheduled = dma_fence_get(&job->base.s_fence->scheduled);
	for (i = 0; i < job->num_bos; i++)
		dma_resv_add_fence(job->bos[i].obj->resv, finished,
				   job->bos[i].access & DRM_CSA_ACCESS_WRITE ?
				   DMA_RESV_USAGE_WRITE : DMA_RESV_USAGE_READ);
	if (job->num_bos)
		drm_gem_unlock_reservations(s.objs, job->num_bos, &acquire);
	drm_sched_entity_push_job(&job->base);
	mutex_unlock(&ctx->lock);

	csa_submit_signal_out(&s, args->num_out_syncs, finished);
	dma_fence_put(finished);
	csa_queue_ctx_put(ctx);
	csa_submit_release(&s, args);
	return 0;

out_unlock:
	if (job->num_bos)
		drm_gem_unlock_reservations(s.objs, job->num_bos, &acquire);
out_job:
	if (sched_init)
		drm_sched_job_cleanup(&job->base);
	csa_job_free(job);
out_ctx:
	csa_queue_ctx_put(ctx);
out_release:
	csa_submit_release(&s, args);
	return ret;
}

int csa_ioctl_submit(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_csa_submit *args = data;
	int idx, ret;

	ret = csa_submit_check_args(args);
	if (ret)
		return ret;

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	ret = csa_submit(file, args);
	drm_dev_exit(idx);
	return ret;
}
