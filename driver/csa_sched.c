// SPDX-License-Identifier: GPL-2.0
/*
 * CSA hardware queues: the descriptor ring and completion array of each
 * hardware queue, its MSI-X interrupt, hardware fences, and the drm_sched
 * backend that feeds the ring and recovers a hung queue.
 *
 * Locking: a queue's spinlock protects head/tail/inflight and is the lock
 * of all its hardware fences; fences are signalled with it held, in ring
 * order, from the queue's interrupt handler or from a reset.  The handler
 * takes it with spin_lock(), everybody else with spin_lock_irqsave().
 */
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/seq_file.h>
#include <drm/drm_debugfs.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_managed.h>

#include "csa_drm.h"
#include "csa_queue.h"
#include "csa_sched_compat.h"
#include "csa_trace.h"

static unsigned int job_timeout_ms = 2000;
module_param(job_timeout_ms, uint, 0444);
MODULE_PARM_DESC(job_timeout_ms,
		 "A job running longer is aborted and its queue reset (ms, 10..600000, default 2000)");

#define CSA_JOB_TIMEOUT_MIN_MS	10
#define CSA_JOB_TIMEOUT_MAX_MS	600000

static_assert(sizeof(struct csa_desc) == CSA_DESC_SIZE);
static_assert(sizeof(struct csa_cpl) == CSA_CPL_SIZE);
static_assert((CSA_QUEUE_RING_SIZE & (CSA_QUEUE_RING_SIZE - 1)) == 0 &&
	      CSA_QUEUE_RING_SIZE <= CSA_RING_MAX);
static_assert(CSA_QUEUE_HW_JOBS < CSA_QUEUE_RING_SIZE);

#define CSA_RING_MASK		(CSA_QUEUE_RING_SIZE - 1)

static inline void csa_q_write(struct csa_hw_queue *q, u32 reg, u32 val)
{
	csa_write(q->csa, CSA_REG_Q(q->idx, reg), val);
}

static inline u32 csa_q_read(struct csa_hw_queue *q, u32 reg)
{
	return csa_read(q->csa, CSA_REG_Q(q->idx, reg));
}

/* Hardware fences */

static struct csa_fence *to_csa_fence(struct dma_fence *fence)
{
	return container_of(fence, struct csa_fence, base);
}

static const char *csa_fence_driver_name(struct dma_fence *fence)
{
	return CSA_DRIVER_NAME;
}

static const char *csa_fence_timeline_name(struct dma_fence *fence)
{
	return to_csa_fence(fence)->queue->name;
}

static const struct dma_fence_ops csa_fence_ops = {
	.get_driver_name = csa_fence_driver_name,
	.get_timeline_name = csa_fence_timeline_name,
};

/* The uapi's mapping of card status to fence error (csa_drm.h). */
static int csa_status_to_errno(u32 status)
{
	switch (status) {
	case CSA_STATUS_OK:
		return 0;
	case CSA_STATUS_BAD_OPCODE:
	case CSA_STATUS_BAD_DESC:
		return -EINVAL;
	case CSA_STATUS_BAD_BIND:
	case CSA_STATUS_BAD_SLOT:
	case CSA_STATUS_OUT_OF_BOUNDS:
		return -EFAULT;
	case CSA_STATUS_ACCESS:
		return -EACCES;
	case CSA_STATUS_PROGRAM:
		return -ENOEXEC;
	case CSA_STATUS_DMA_ERROR:
	default:
		return -EIO;
	}
}

/*
 * Signal hardware fence @f with @error.  The card is done with the job's
 * buffers: hand them to the CPU first.  The error is also the job's:
 * drm_sched of 6.1 does not copy it from the hardware fence to the
 * finished fence, so do it before the callback that signals the finished
 * fence runs.  Drops the ring's reference.
 */
static void csa_fence_signal_locked(struct csa_hw_queue *q, struct csa_fence *f,
				    int error)
{
	struct dma_fence *finished = &f->job->base.s_fence->finished;

	lockdep_assert_held(&q->lock);
	trace_csa_job_done(f->job, f->ring_seqno, error);
	csa_dbg(&q->csa->pdev->dev, JOB, "%s: done fence %llu:%llu ring seqno %llu: %d\n",
		q->name, finished->context, finished->seqno, f->ring_seqno, error);
	csa_job_sync(f->job, true);
	if (error) {
		if (!dma_fence_is_signaled(finished))
			dma_fence_set_error(finished, error);
		dma_fence_set_error(&f->base, error);
	}
	dma_fence_signal_locked(&f->base);
	dma_fence_put(&f->base);
}

/* Signal the hardware fence of ring entry @i with @error and forget it. */
static void csa_ring_signal_locked(struct csa_hw_queue *q, u32 i, int error)
{
	struct csa_fence *f = q->inflight[i];

	if (!f)
		return;
	q->inflight[i] = NULL;
	csa_fence_signal_locked(q, f, error);
}

/*
 * Is the card's completion record @i the one of the descriptor now at ring
 * entry @i?  Then *@error gets its status as an errno.  Descriptor seqnos
 * are never reused, so a stale record from an earlier lap never matches.
 */
static bool csa_ring_cpl_locked(struct csa_hw_queue *q, u32 i, int *error)
{
	const struct csa_cpl *cpl = &q->cpl[i];
	struct csa_fence *f = q->inflight[i];
	u64 seqno = le64_to_cpu((__force __le64)READ_ONCE(cpl->seqno));

	if (!f || seqno != f->ring_seqno)
		return false;
	*error = csa_status_to_errno(le32_to_cpu((__force __le32)READ_ONCE(cpl->status)));
	return true;
}

/* Consume the completion records the card has written since last time. */
static void csa_ring_complete_locked(struct csa_hw_queue *q)
{
	u32 hw_head = csa_q_read(q, CSA_Q_HEAD);

	lockdep_assert_held(&q->lock);
	if (hw_head >= CSA_QUEUE_RING_SIZE)	/* card gone or broken */
		return;
	/* The record is written before HEAD moves; read it after HEAD. */
	dma_rmb();

	while (q->head != hw_head) {
		u32 i = q->head;
		int error;

		if (!csa_ring_cpl_locked(q, i, &error)) {
			dev_err_ratelimited(&q->csa->pdev->dev,
					    "%s: completion %u does not match its descriptor (seqno %llu)\n",
					    q->name, i,
					    q->inflight[i] ? q->inflight[i]->ring_seqno : 0);
			error = -EIO;
		}
		csa_ring_signal_locked(q, i, error);
		q->head = (i + 1) & CSA_RING_MASK;
	}
}

/* Write @f's descriptor at the tail; the caller rings the doorbell. */
static void csa_ring_put_locked(struct csa_hw_queue *q, struct csa_fence *f)
{
	u32 i = q->tail;
	struct csa_desc *desc = &q->ring[i];

	lockdep_assert_held(&q->lock);
	memcpy(desc, &f->job->desc, sizeof(*desc));
	f->ring_seqno = ++q->ring_seqno;
	desc->seqno = (__force u64)cpu_to_le64(f->ring_seqno);
	q->inflight[i] = f;
	q->tail = (i + 1) & CSA_RING_MASK;
}

static irqreturn_t csa_queue_irq(int irq, void *arg)
{
	struct csa_hw_queue *q = arg;
	bool cookie;

	/*
	 * The vector is this queue's alone: no need to read IRQ_STATUS.
	 * Write-1-to-clear first: a completion after this raises it again.
	 * A card gone from the bus reads HEAD as ~0, which is ignored.
	 */
	csa_write(q->csa, CSA_REG_IRQ_STATUS, CSA_IRQ_QUEUE(q->idx));

	cookie = dma_fence_begin_signalling();
	spin_lock(&q->lock);
	if (!q->dead)
		csa_ring_complete_locked(q);
	spin_unlock(&q->lock);
	dma_fence_end_signalling(cookie);
	return IRQ_HANDLED;
}

/* Program the ring registers of a disabled queue and enable it. */
static int csa_ring_start(struct csa_hw_queue *q)
{
	u32 status;

	csa_q_write(q, CSA_Q_CTRL, 0);
	csa_q_write(q, CSA_Q_RING_LO, lower_32_bits(q->ring_dma));
	csa_q_write(q, CSA_Q_RING_HI, upper_32_bits(q->ring_dma));
	csa_q_write(q, CSA_Q_RING_SIZE, CSA_QUEUE_RING_SIZE);
	csa_q_write(q, CSA_Q_CPL_LO, lower_32_bits(q->cpl_dma));
	csa_q_write(q, CSA_Q_CPL_HI, upper_32_bits(q->cpl_dma));
	csa_q_write(q, CSA_Q_CTRL, CSA_Q_CTRL_ENABLE);

	status = csa_q_read(q, CSA_Q_STATUS);
	if ((status & (CSA_Q_STATUS_ENABLED | CSA_Q_STATUS_ERROR)) !=
	    CSA_Q_STATUS_ENABLED) {
		dev_err(&q->csa->pdev->dev, "%s: ring setup refused (status 0x%x)\n",
			q->name, status);
		return -EIO;
	}
	return 0;
}

/*
 * Reset one hardware queue (never the others) and empty its ring.  Called
 * with the queue lock held, so neither run_job nor the interrupt handler
 * touches the ring meanwhile.  Completions the card wrote before the reset
 * are consumed (also those after the last HEAD read: a record is written
 * before HEAD moves and nothing is written after the reset); @hung, if it
 * is still on the ring, fails with @hung_error and bans its context.  The
 * reset aborted every other descriptor: they are kept in @q->requeue,
 * in ring order, with their fences (those of banned contexts fail with
 * -ECANCELED).  Returns how many were kept.
 */
static unsigned int csa_ring_reset_locked(struct csa_hw_queue *q,
					  struct csa_fence *hung, int hung_error)
{
	unsigned int kept = 0;
	int error;
	u32 i;

	lockdep_assert_held(&q->lock);
	csa_ring_complete_locked(q);
	csa_q_write(q, CSA_Q_RESET, CSA_RESET_MAGIC);

	for (i = q->head; i != q->tail; i = (i + 1) & CSA_RING_MASK) {
		struct csa_fence *f = q->inflight[i];

		if (!f)
			continue;
		if (csa_ring_cpl_locked(q, i, &error)) {
			csa_ring_signal_locked(q, i, error);
		} else if (f == hung) {
			atomic_set(&f->job->state->banned, 1);
			csa_ring_signal_locked(q, i, hung_error);
		} else if (atomic_read(&f->job->state->banned)) {
			csa_ring_signal_locked(q, i, -ECANCELED);
		} else {
			q->inflight[i] = NULL;
			q->requeue[kept++] = f;
		}
	}
	q->head = 0;
	q->tail = 0;
	return kept;
}

/*
 * Start the ring again after csa_ring_reset_locked() and put the @kept
 * descriptors it aborted back on it, in their order, with new ring seqnos.
 * If the card refuses the ring they fail with -EIO.
 */
static void csa_ring_restart_locked(struct csa_hw_queue *q, unsigned int kept)
{
	unsigned int k;
	int error = q->dead ? -ENODEV : csa_ring_start(q);

	for (k = 0; k < kept; k++) {
		if (error)
			csa_fence_signal_locked(q, q->requeue[k], error);
		else
			csa_ring_put_locked(q, q->requeue[k]);
	}
	if (!error && kept)
		csa_q_write(q, CSA_Q_TAIL, q->tail);
}

/*
 * Recover queue @q from a job whose hardware fence @f has not signalled
 * within the job timeout.  Decided under the queue lock, after consuming
 * the card's completions: if @f signalled meanwhile the timeout was
 * spurious and nothing is touched.  Otherwise the queue is reset, @f
 * fails with -ETIMEDOUT and its context is banned, and every other job on
 * the ring runs again; no job is ever reported done that the card did not
 * complete.  Returns true if the queue was reset; *@requeued gets the
 * number of jobs put back on the ring.
 */
static bool csa_ring_recover(struct csa_hw_queue *q, struct csa_fence *f,
			     unsigned int *requeued)
{
	unsigned long flags;
	bool hung;

	spin_lock_irqsave(&q->lock, flags);
	if (q->dead) {		/* csa_queues_fini() failed the ring */
		spin_unlock_irqrestore(&q->lock, flags);
		return false;
	}
	csa_ring_complete_locked(q);
	hung = !dma_fence_is_signaled_locked(&f->base);
	if (hung) {
		*requeued = csa_ring_reset_locked(q, f, -ETIMEDOUT);
		csa_ring_restart_locked(q, *requeued);
	}
	spin_unlock_irqrestore(&q->lock, flags);
	return hung;
}

/* drm_sched backend */

static struct dma_fence *csa_sched_run_job(struct drm_sched_job *sched_job)
{
	struct csa_job *job = to_csa_job(sched_job);
	struct dma_fence *finished = &sched_job->s_fence->finished;
	struct csa_hw_queue *q = job->queue;
	struct csa_fence *f = job->fence;
	struct dma_fence *ret = &f->base;
	unsigned long flags;
	bool cookie;

	/* Its context was banned after the job was queued. */
	if (atomic_read(&job->state->banned))
		return ERR_PTR(-ECANCELED);
	if (finished->error)
		return NULL;

	/*
	 * Unbound: the job's DMA mappings may be gone.  csa_queues_fini()
	 * sets @dead with the scheduler stopped, so no run_job is past this
	 * test then.
	 */
	if (READ_ONCE(q->dead))
		return ERR_PTR(-ENODEV);

	/*
	 * Nothing here allocates or waits: the fence was allocated at
	 * SUBMIT, the ring has room for every job drm_sched lets run.
	 */
	cookie = dma_fence_begin_signalling();
	/* After the in-fences: CPU writes until now reach the card. */
	csa_job_sync(job, false);

	spin_lock_irqsave(&q->lock, flags);
	if (q->dead) {
		ret = ERR_PTR(-ENODEV);
		goto out;
	}
	dma_fence_init(&f->base, &csa_fence_ops, &q->lock, q->fence_context,
		       ++q->seqno);
	job->fence_live = true;
	/* one reference for drm_sched (returned), the ring's, the job's */
	dma_fence_get(&f->base);
	dma_fence_get(&f->base);
	csa_ring_put_locked(q, f);
	trace_csa_job_run(job, f->ring_seqno);
	csa_dbg(&q->csa->pdev->dev, JOB, "%s: run fence %llu:%llu ring seqno %llu\n",
		q->name, finished->context, finished->seqno, f->ring_seqno);
	/* writel orders the descriptor before the doorbell. */
	csa_q_write(q, CSA_Q_TAIL, q->tail);
out:
	spin_unlock_irqrestore(&q->lock, flags);
	dma_fence_end_signalling(cookie);
	return ret;
}

static enum drm_gpu_sched_stat csa_sched_timedout_job(struct drm_sched_job *sched_job)
{
	struct csa_job *job = to_csa_job(sched_job);
	struct csa_hw_queue *q = job->queue;
	struct drm_gpu_scheduler *sched = &q->sched;
	unsigned int requeued = 0;
	struct csa_fence *f;
	bool cookie, hung;

	/* csa_queues_fini() failed everything on the ring already */
	if (READ_ONCE(q->dead))
		return csa_sched_job_giveback(sched, sched_job,
					      DRM_GPU_SCHED_STAT_ENODEV);

	/* run_job failed it without a hardware fence: it is done already */
	if (!job->fence_live)
		return csa_sched_job_giveback(sched, sched_job,
					      CSA_SCHED_STAT_RESET);

	/*
	 * A card that failed as a whole (its error interrupt may be lost)
	 * needs the full-device recovery, which fails this job with -EIO.
	 */
	if (csa_read(q->csa, CSA_REG_STATUS) & CSA_STATUS_FATAL) {
		schedule_work(&q->csa->recover_work);
		return csa_sched_job_giveback(sched, sched_job,
					      CSA_SCHED_STAT_RESET);
	}

	/*
	 * Off the pending list the job cannot be freed, even once its
	 * fence signals.  No drm_sched_stop()/start() and no resubmission
	 * through drm_sched: the other jobs keep their hardware fences and
	 * go back on the ring with them, so each keeps its true result and
	 * none can be reported done early.
	 */
	f = job->fence;
	cookie = dma_fence_begin_signalling();
	hung = csa_ring_recover(q, f, &requeued);
	dma_fence_end_signalling(cookie);

	if (hung) {
		trace_csa_job_timeout(job, requeued);
		dev_warn(&q->csa->pdev->dev,
			 "%s: job (seqno %llu) timed out after %u ms: queue reset, context banned, %u queued jobs resubmitted\n",
			 q->name, f->base.seqno, q->csa->job_timeout_ms, requeued);
	} else {
		csa_dbg(&q->csa->pdev->dev, RESET,
			"%s: timeout of seqno %llu was spurious: the job completed\n",
			q->name, f->base.seqno);
	}
	return csa_sched_job_giveback(sched, sched_job, CSA_SCHED_STAT_RESET);
}

static void csa_sched_free_job(struct drm_sched_job *sched_job)
{
	struct csa_job *job = to_csa_job(sched_job);

	drm_sched_job_cleanup(sched_job);
	csa_job_free(job);
}

static const struct drm_sched_backend_ops csa_sched_ops = {
	.run_job = csa_sched_run_job,
	.timedout_job = csa_sched_timedout_job,
	.free_job = csa_sched_free_job,
};

static int csa_sched_init(struct csa_hw_queue *q)
{
	long timeout = msecs_to_jiffies(q->csa->job_timeout_ms);
#ifdef HAVE_DRM_SCHED_INIT_ARGS
	const struct drm_sched_init_args args = {
		.ops = &csa_sched_ops,
#ifdef HAVE_DRM_SCHED_INIT_ARGS_NUM_RQS
		/* one run queue a priority: LOW, NORMAL and HIGH are used */
		.num_rqs = DRM_SCHED_PRIORITY_COUNT,
#endif
		.credit_limit = CSA_QUEUE_HW_JOBS,
		.timeout = timeout,
		.name = q->name,
		.dev = q->csa->drm.dev,
	};

	return drm_sched_init(&q->sched, &args);
#elif defined(HAVE_DRM_SCHED_INIT_SUBMIT_WQ)
	return drm_sched_init(&q->sched, &csa_sched_ops, NULL,
			      DRM_SCHED_PRIORITY_COUNT, CSA_QUEUE_HW_JOBS, 0,
			      timeout, NULL, NULL, q->name, q->csa->drm.dev);
#else
	return drm_sched_init(&q->sched, &csa_sched_ops, CSA_QUEUE_HW_JOBS, 0,
			      timeout, NULL, NULL, q->name, q->csa->drm.dev);
#endif
}

/* Queue setup and teardown */

static int csa_queue_setup(struct csa_device *csa, struct csa_hw_queue *q,
			   unsigned int idx)
{
	struct device *dev = &csa->pdev->dev;
	int ret;

	q->csa = csa;
	q->idx = idx;
	spin_lock_init(&q->lock);
	q->fence_context = dma_fence_context_alloc(1);
	snprintf(q->name, sizeof(q->name), "csa-q%u@%s", idx, pci_name(csa->pdev));

	q->ring = dmam_alloc_coherent(dev, CSA_QUEUE_RING_SIZE * CSA_DESC_SIZE,
				      &q->ring_dma, GFP_KERNEL);
	q->cpl = dmam_alloc_coherent(dev, CSA_QUEUE_RING_SIZE * CSA_CPL_SIZE,
				     &q->cpl_dma, GFP_KERNEL);
	if (!q->ring || !q->cpl)
		return -ENOMEM;

	q->irq = pci_irq_vector(csa->pdev, CSA_MSIX_VEC_QUEUE(idx));
	if (q->irq < 0)
		return q->irq;
	ret = devm_request_irq(dev, q->irq, csa_queue_irq, 0, q->name, q);
	if (ret) {
		dev_err(dev, "%s: cannot request the interrupt (%d)\n", q->name, ret);
		return ret;
	}

	csa_q_write(q, CSA_Q_RESET, CSA_RESET_MAGIC);
	return csa_ring_start(q);
}

/*
 * Unbind: reset the ring and fail what is on it with -ENODEV.  Jobs that
 * reach run_job later fail there the same way.  The scheduler itself lives
 * on until csa_sched_release().
 */
static void csa_queue_teardown(struct csa_hw_queue *q)
{
	unsigned long flags;
	bool cookie;
	u32 i;

	cookie = dma_fence_begin_signalling();
	spin_lock_irqsave(&q->lock, flags);
	WRITE_ONCE(q->dead, true);
	csa_q_write(q, CSA_Q_RESET, CSA_RESET_MAGIC);
	for (i = q->head; i != q->tail; i = (i + 1) & CSA_RING_MASK)
		csa_ring_signal_locked(q, i, -ENODEV);
	q->head = 0;
	q->tail = 0;
	spin_unlock_irqrestore(&q->lock, flags);
	dma_fence_end_signalling(cookie);
	synchronize_irq(q->irq);
}

/*
 * drm-managed: runs when the last reference to the DRM device goes, after
 * the unbind and after the last file is closed.  Open files reach the
 * scheduler through their contexts' entities (since 6.8 drm_sched_fini()
 * frees the run queues the entities point into), so it must outlive them.
 * By now every job the scheduler ran is done (csa_queues_fini() failed
 * the rings); free those it had no chance to.
 */
static void csa_sched_release(struct drm_device *drm, void *arg)
{
	struct drm_gpu_scheduler *sched = arg;
	struct drm_sched_job *job, *tmp;
	LIST_HEAD(pending);

	csa_sched_submit_stop(sched);
	cancel_delayed_work_sync(&sched->work_tdr);
	spin_lock(&sched->job_list_lock);
	list_splice_init(&sched->pending_list, &pending);
	spin_unlock(&sched->job_list_lock);
	list_for_each_entry_safe(job, tmp, &pending, list) {
		struct dma_fence *finished = &job->s_fence->finished;

		list_del_init(&job->list);
		if (!dma_fence_is_signaled(finished)) {
			dma_fence_set_error(finished, -ENODEV);
			dma_fence_signal(finished);
		}
		sched->ops->free_job(job);
	}
	drm_sched_fini(sched);
}

/**
 * csa_queues_init() - set up every hardware queue of the card
 * @csa: the device, firmware running
 *
 * Per queue: ring and completion array in coherent DMA memory, the MSI-X
 * vector, the ring registers, and a scheduler.  Sets csa->job_timeout_ms
 * and DRM_CSA_FEATURE_QUEUES.  Undoes itself on failure.
 *
 * Return: 0 or a negative errno.
 */
int csa_queues_init(struct csa_device *csa)
{
	unsigned int n = csa->caps.num_queues, i, started = 0;
	u32 irqs = 0;
	int ret;

	csa->job_timeout_ms = clamp_t(unsigned int, job_timeout_ms,
				      CSA_JOB_TIMEOUT_MIN_MS, CSA_JOB_TIMEOUT_MAX_MS);
	csa->queues = drmm_kcalloc(&csa->drm, n, sizeof(*csa->queues), GFP_KERNEL);
	if (!csa->queues)
		return -ENOMEM;

	for (i = 0; i < n; i++) {
		struct csa_hw_queue *q = &csa->queues[i];

		ret = csa_queue_setup(csa, q, i);
		if (ret)
			goto fail;
		ret = csa_sched_init(q);
		if (ret) {
			dev_err(&csa->pdev->dev, "%s: cannot create the scheduler (%d)\n",
				q->name, ret);
			csa_q_write(q, CSA_Q_RESET, CSA_RESET_MAGIC);
			goto fail;
		}
		started++;
		ret = drmm_add_action_or_reset(&csa->drm, csa_sched_release, &q->sched);
		if (ret)
			goto fail;
		irqs |= CSA_IRQ_QUEUE(i);
	}

	csa_hw_irq_enable(csa, READ_ONCE(csa->irq_mask) | irqs);
	csa->num_hw_queues = n;
	csa->features |= DRM_CSA_FEATURE_QUEUES;
	return 0;

fail:
	while (started--)
		csa_queue_teardown(&csa->queues[started]);
	return ret;
}

/**
 * csa_queues_fini() - stop every hardware queue
 * @csa: the device; the caller unplugged it and quiesced the card
 *
 * Resets the queues and fails what is on the rings with -ENODEV, with the
 * schedulers stopped; no timeout handler runs any more when it returns.
 * The schedulers then run on without the card: every job still queued
 * fails in run_job with -ENODEV, so the entities of files still open
 * drain.  csa_sched_release() stops them with the DRM device.
 */
void csa_queues_fini(struct csa_device *csa)
{
	unsigned int i, n = csa->num_hw_queues;

	csa->features &= ~DRM_CSA_FEATURE_QUEUES;
	mutex_lock(&csa->reset_lock);
	for (i = 0; i < n && !csa->stopped; i++)
		csa_sched_submit_stop(&csa->queues[i].sched);
	for (i = 0; i < n; i++) {
		csa_queue_teardown(&csa->queues[i]);
		/* a reset in progress finishes; a later timeout sees @dead */
		cancel_delayed_work_sync(&csa->queues[i].sched.work_tdr);
	}
	for (i = 0; i < n; i++)
		csa_sched_submit_start(&csa->queues[i].sched);
	csa->stopped = false;
	mutex_unlock(&csa->reset_lock);
	csa->num_hw_queues = 0;
}

/*
 * Device recovery, suspend and PCI error handling (csa_reset.c) stop the
 * queues around a card reset: the schedulers feed nothing meanwhile and no
 * timeout handler runs, every descriptor the card held fails, and the
 * rings start empty again with the (reloaded) firmware.
 */

/* Wait up to the job timeout for the newest descriptor on @q's ring. */
static void csa_ring_drain(struct csa_hw_queue *q)
{
	struct dma_fence *last = NULL;
	unsigned long flags;

	spin_lock_irqsave(&q->lock, flags);
	if (q->head != q->tail)
		last = dma_fence_get(&q->inflight[(q->tail - 1) & CSA_RING_MASK]->base);
	spin_unlock_irqrestore(&q->lock, flags);
	if (last) {
		dma_fence_wait_timeout(last, false,
				       msecs_to_jiffies(q->csa->job_timeout_ms));
		dma_fence_put(last);
	}
}

/**
 * csa_queues_stop() - stop every hardware queue for a card reset
 * @csa: the device
 * @drain: first let the card finish what is on the rings (bounded by the
 *         job timeout): suspend; false for a card that failed
 *
 * Stops the schedulers (run_job is not called until
 * csa_queues_start()) and waits for running timeout handlers, quiesces the
 * card (interrupts masked, soft reset: no DMA), consumes the completions it
 * wrote and fails every other descriptor on the rings with -EIO.  Jobs not
 * yet on a ring stay queued.  Sleeps.
 */
void csa_queues_stop(struct csa_device *csa, bool drain)
{
	unsigned long flags;
	unsigned int i;
	bool cookie;
	u32 r;

	for (i = 0; i < csa->num_hw_queues; i++) {
		csa_sched_submit_stop(&csa->queues[i].sched);
		cancel_delayed_work_sync(&csa->queues[i].sched.work_tdr);
	}
	for (i = 0; drain && i < csa->num_hw_queues; i++)
		csa_ring_drain(&csa->queues[i]);

	csa_hw_quiesce(csa);
	for (i = 0; i < csa->num_hw_queues; i++) {
		struct csa_hw_queue *q = &csa->queues[i];

		synchronize_irq(q->irq);
		cookie = dma_fence_begin_signalling();
		spin_lock_irqsave(&q->lock, flags);
		csa_ring_complete_locked(q);
		for (r = q->head; r != q->tail; r = (r + 1) & CSA_RING_MASK)
			csa_ring_signal_locked(q, r, -EIO);
		q->head = 0;
		q->tail = 0;
		spin_unlock_irqrestore(&q->lock, flags);
		dma_fence_end_signalling(cookie);
	}
}

/**
 * csa_queues_start() - start the hardware queues after csa_queues_stop()
 * @csa: the device, firmware running again; or @fw_error if it is not
 * @fw_error: 0, or why the card cannot run jobs any more: then every
 *            queue is dead and its jobs fail with -ENODEV
 *
 * Programs and enables every ring, unmasks the queue interrupts and
 * starts the schedulers.
 */
void csa_queues_start(struct csa_device *csa, int fw_error)
{
	unsigned long flags;
	unsigned int i;
	u32 irqs = 0;

	for (i = 0; i < csa->num_hw_queues; i++) {
		struct csa_hw_queue *q = &csa->queues[i];

		spin_lock_irqsave(&q->lock, flags);
		if (!fw_error) {
			csa_q_write(q, CSA_Q_RESET, CSA_RESET_MAGIC);
			WRITE_ONCE(q->dead, csa_ring_start(q) != 0);
		} else {
			WRITE_ONCE(q->dead, true);
		}
		spin_unlock_irqrestore(&q->lock, flags);
		irqs |= CSA_IRQ_QUEUE(i);
	}
	if (!fw_error)
		csa_hw_irq_enable(csa, CSA_IRQ_FW | CSA_IRQ_ERROR | irqs);
	for (i = 0; i < csa->num_hw_queues; i++)
		csa_sched_submit_start(&csa->queues[i].sched);
}

/*
 * debugfs "csa_queues", one line a hardware queue: "queue N inflight N
 * busy 0|1 dead 0|1": descriptors on the ring, whether the card executes
 * one (CSA_Q_STATUS_BUSY), whether the queue is stopped for good.
 */
int csa_queues_show(struct seq_file *m, void *data)
{
	struct drm_info_node *node = m->private;
	struct csa_device *csa = to_csa(node->minor->dev);
	unsigned long flags;
	unsigned int i;

	for (i = 0; i < csa->num_hw_queues; i++) {
		struct csa_hw_queue *q = &csa->queues[i];
		u32 inflight, busy;

		spin_lock_irqsave(&q->lock, flags);
		inflight = (q->tail - q->head) & CSA_RING_MASK;
		busy = !q->dead && csa_q_read(q, CSA_Q_STATUS) & CSA_Q_STATUS_BUSY;
		spin_unlock_irqrestore(&q->lock, flags);
		seq_printf(m, "queue %u inflight %u busy %u dead %u\n", i, inflight,
			   busy, READ_ONCE(q->dead));
	}
	return 0;
}
