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
#include <drm/drm_gem.h>
#include <drm/drm_managed.h>

#include "csa_drm.h"
#include "csa_queue.h"

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
 * Signal the hardware fence of ring entry @i with @error and forget it.
 * Unless the descriptor was aborted by a reset (it will run again), the
 * error is also the job's: drm_sched of 6.1 does not copy it from the
 * hardware fence to the finished fence, so do it before the callback
 * that signals the finished fence runs.
 */
static void csa_ring_signal_locked(struct csa_hw_queue *q, u32 i, int error,
				   bool aborted)
{
	struct csa_fence *f = q->inflight[i];
	struct dma_fence *finished;

	lockdep_assert_held(&q->lock);
	if (!f)
		return;
	q->inflight[i] = NULL;

	if (aborted) {
		set_bit(CSA_FENCE_FLAG_ABORTED, &f->base.flags);
	} else if (error) {
		finished = &f->job->base.s_fence->finished;
		if (!dma_fence_is_signaled(finished))
			dma_fence_set_error(finished, error);
	}
	if (error)
		dma_fence_set_error(&f->base, error);
	dma_fence_signal_locked(&f->base);
	dma_fence_put(&f->base);
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
		const struct csa_cpl *cpl = &q->cpl[i];
		struct csa_fence *f = q->inflight[i];
		u64 seqno = le64_to_cpu((__force __le64)READ_ONCE(cpl->seqno));
		u32 status = le32_to_cpu((__force __le32)READ_ONCE(cpl->status));
		int error = csa_status_to_errno(status);

		if (f && seqno != f->base.seqno) {
			dev_err_ratelimited(&q->csa->pdev->dev,
					    "%s: completion %u has seqno %llu, expected %llu\n",
					    q->name, i, seqno, f->base.seqno);
			error = -EIO;
		}
		csa_ring_signal_locked(q, i, error, false);
		q->head = (i + 1) & CSA_RING_MASK;
	}
}

static irqreturn_t csa_queue_irq(int irq, void *arg)
{
	struct csa_hw_queue *q = arg;

	/*
	 * The vector is this queue's alone: no need to read IRQ_STATUS.
	 * Write-1-to-clear first: a completion after this raises it again.
	 * A card gone from the bus reads HEAD as ~0, which is ignored.
	 */
	csa_write(q->csa, CSA_REG_IRQ_STATUS, CSA_IRQ_QUEUE(q->idx));

	spin_lock(&q->lock);
	if (!q->dead)
		csa_ring_complete_locked(q);
	spin_unlock(&q->lock);
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
 * Reset one hardware queue (never the others).  Completions the card wrote
 * before the reset are consumed; the descriptor at the head (the one
 * running) gets @head_error; every later one is aborted so that its job
 * runs again.  The ring is then empty and enabled again.  Returns the
 * number of aborted descriptors.  Sleeps (disable_irq).
 */
static unsigned int csa_ring_reset(struct csa_hw_queue *q, int head_error)
{
	unsigned int aborted = 0;
	unsigned long flags;
	u32 i;

	disable_irq(q->irq);
	spin_lock_irqsave(&q->lock, flags);
	csa_ring_complete_locked(q);
	csa_q_write(q, CSA_Q_RESET, CSA_RESET_MAGIC);

	for (i = q->head; i != q->tail; i = (i + 1) & CSA_RING_MASK) {
		if (i == q->head) {
			csa_ring_signal_locked(q, i, head_error, false);
		} else {
			csa_ring_signal_locked(q, i, -ECANCELED, true);
			aborted++;
		}
	}
	q->head = 0;
	q->tail = 0;
	if (!q->dead)
		csa_ring_start(q);
	spin_unlock_irqrestore(&q->lock, flags);

	csa_write(q->csa, CSA_REG_IRQ_STATUS, CSA_IRQ_QUEUE(q->idx));
	enable_irq(q->irq);
	return aborted;
}

/* drm_sched backend */

static struct dma_fence *csa_sched_run_job(struct drm_sched_job *sched_job)
{
	struct csa_job *job = to_csa_job(sched_job);
	struct dma_fence *finished = &sched_job->s_fence->finished;
	struct csa_hw_queue *q = job->queue;
	struct csa_desc *desc;
	bool resubmit = !!job->hw_fence;
	struct csa_fence *f;
	unsigned long flags;
	u32 i;

	if (resubmit) {
		/*
		 * Resubmission after a queue reset: a job whose descriptor
		 * completed, or that was the one hanging, keeps its result.
		 */
		if (!test_bit(CSA_FENCE_FLAG_ABORTED, &job->hw_fence->flags))
			return NULL;
		dma_fence_put(job->hw_fence);
		job->hw_fence = NULL;
	}
	if (finished->error)
		return NULL;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return ERR_PTR(resubmit ? -ECANCELED : -ENOMEM);
	f->queue = q;
	f->job = job;

	spin_lock_irqsave(&q->lock, flags);
	if (q->dead) {
		spin_unlock_irqrestore(&q->lock, flags);
		kfree(f);
		return ERR_PTR(-ENODEV);
	}
	dma_fence_init(&f->base, &csa_fence_ops, &q->lock, q->fence_context,
		       ++q->seqno);
	i = q->tail;
	desc = &q->ring[i];
	memcpy(desc, &job->desc, sizeof(*desc));
	desc->seqno = (__force u64)cpu_to_le64(f->base.seqno);
	q->inflight[i] = f;
	dma_fence_get(&f->base);	/* the ring's reference */
	q->tail = (i + 1) & CSA_RING_MASK;
	/* writel orders the descriptor before the doorbell. */
	csa_q_write(q, CSA_Q_TAIL, q->tail);
	spin_unlock_irqrestore(&q->lock, flags);

	job->hw_fence = dma_fence_get(&f->base);
	return &f->base;
}

static enum drm_gpu_sched_stat csa_sched_timedout_job(struct drm_sched_job *sched_job)
{
	struct csa_job *job = to_csa_job(sched_job);
	struct csa_hw_queue *q = job->queue;
	struct drm_gpu_scheduler *sched = &q->sched;
	unsigned int resubmitted;

	if (READ_ONCE(q->dead)) {
		/* csa_queues_fini() owns the pending list now: give it back. */
		spin_lock(&sched->job_list_lock);
		list_add(&sched_job->list, &sched->pending_list);
		spin_unlock(&sched->job_list_lock);
		return DRM_GPU_SCHED_STAT_ENODEV;
	}

	drm_sched_stop(sched, sched_job);

	/* It completed after all, after the timer fired: no reset. */
	if (dma_fence_is_signaled(&sched_job->s_fence->finished) ||
	    !job->hw_fence || dma_fence_is_signaled(job->hw_fence)) {
		drm_sched_start(sched, true);
		return DRM_GPU_SCHED_STAT_NOMINAL;
	}

	resubmitted = csa_ring_reset(q, -ETIMEDOUT);
	dev_warn(&q->csa->pdev->dev,
		 "%s: job (seqno %llu) timed out after %u ms: queue reset, %u queued jobs resubmitted\n",
		 q->name, job->hw_fence ? job->hw_fence->seqno : 0,
		 q->csa->job_timeout_ms, resubmitted);

	drm_sched_resubmit_jobs(sched);
	drm_sched_start(sched, true);
	return DRM_GPU_SCHED_STAT_NOMINAL;
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
		.credit_limit = CSA_QUEUE_HW_JOBS,
		.timeout = timeout,
		.name = q->name,
		.dev = q->csa->drm.dev,
	};

	return drm_sched_init(&q->sched, &args);
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

/* Fail everything still on the ring or pending and stop the scheduler. */
static void csa_queue_teardown(struct csa_hw_queue *q)
{
	struct drm_gpu_scheduler *sched = &q->sched;
	struct drm_sched_job *job, *tmp;
	unsigned long flags;
	LIST_HEAD(pending);
	u32 i;

	spin_lock_irqsave(&q->lock, flags);
	WRITE_ONCE(q->dead, true);
	csa_q_write(q, CSA_Q_RESET, CSA_RESET_MAGIC);
	spin_unlock_irqrestore(&q->lock, flags);
	synchronize_irq(q->irq);
	/* A reset in progress finishes; a later timeout sees @dead. */
	cancel_delayed_work_sync(&sched->work_tdr);

	/* Stops the thread and the timeout work; run_job now fails. */
	drm_sched_fini(sched);

	spin_lock_irqsave(&q->lock, flags);
	for (i = q->head; i != q->tail; i = (i + 1) & CSA_RING_MASK)
		csa_ring_signal_locked(q, i, -ENODEV, false);
	q->head = 0;
	q->tail = 0;
	spin_unlock_irqrestore(&q->lock, flags);

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
 * Resets the queues, fails what is still queued or running with -ENODEV
 * and stops the schedulers.  Queue contexts of files still open keep
 * their (now stopped) entities until the files are closed.
 */
void csa_queues_fini(struct csa_device *csa)
{
	unsigned int i;

	csa->features &= ~DRM_CSA_FEATURE_QUEUES;
	for (i = 0; i < csa->num_hw_queues; i++)
		csa_queue_teardown(&csa->queues[i]);
	csa->num_hw_queues = 0;
}
