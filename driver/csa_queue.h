/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CSA command queues: hardware rings, hardware fences, one drm_sched per
 * hardware queue (csa_sched.c), per-file queue contexts (csa_queue.c) and
 * jobs (csa_job.c).  See docs/driver.md, "Queues and jobs".
 */
#ifndef CSA_QUEUE_H
#define CSA_QUEUE_H

#include <linux/dma-fence.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>
#include <drm/gpu_scheduler.h>

#include "csa_drv.h"

struct csa_segtab;
struct drm_gem_object;

/* Descriptors per hardware ring (a power of 2, <= CSA_RING_MAX). */
#define CSA_QUEUE_RING_SIZE	64
/* Jobs drm_sched may have on one ring at once: always < ring size. */
#define CSA_QUEUE_HW_JOBS	32
/* Contexts one file may have at once (QUEUE_CREATE: -EBUSY beyond). */
#define CSA_QUEUE_CTX_MAX	1024
/* Submitted, unfinished jobs of one context (SUBMIT: -EBUSY beyond). */
#define CSA_CTX_MAX_JOBS	256

/**
 * struct csa_hw_queue - one hardware queue of the card
 * @csa: the device
 * @idx: hardware queue index
 * @name: "csa-q<idx>@<pci address>": scheduler, fence timeline and IRQ
 *        name; lives as long as the queue (fences may outlive the unbind)
 * @sched: the scheduler feeding this ring
 * @lock: protects the ring state below; also the lock of every hardware
 *        fence of this queue, so fences signal in ring order
 * @ring: descriptor ring (CPU address), CSA_QUEUE_RING_SIZE entries
 * @ring_dma: bus address of @ring
 * @cpl: completion array written by the card, one record per ring entry
 * @cpl_dma: bus address of @cpl
 * @head: next ring index whose completion the driver has not consumed
 * @tail: next free ring index (the value last written to CSA_Q_TAIL)
 * @inflight: the hardware fence of every descriptor between @head and @tail
 * @requeue: the fences a queue reset aborted, until they are back on the
 *           ring (preallocated: the reset path must not allocate)
 * @fence_context: dma_fence context of the hardware fences
 * @seqno: last hardware fence sequence number handed out
 * @ring_seqno: last descriptor sequence number written to the ring; a
 *              descriptor written again after a reset gets a new one
 * @irq: Linux IRQ number of the queue's MSI-X vector
 * @dead: set by csa_queues_fini(): nothing reaches the ring any more
 */
struct csa_hw_queue {
	struct csa_device *csa;
	unsigned int idx;
	char name[32];
	struct drm_gpu_scheduler sched;

	spinlock_t lock;	/* ring state, hardware fences */
	struct csa_desc *ring;
	dma_addr_t ring_dma;
	struct csa_cpl *cpl;
	dma_addr_t cpl_dma;
	u32 head;
	u32 tail;
	struct csa_fence *inflight[CSA_QUEUE_RING_SIZE];
	struct csa_fence *requeue[CSA_QUEUE_RING_SIZE];
	u64 fence_context;
	u64 seqno;
	u64 ring_seqno;
	int irq;
	bool dead;
};

/**
 * struct csa_fence - hardware fence of a job
 * @base: the fence; its lock is the queue's @lock
 * @queue: the hardware queue
 * @job: the job, valid until the fence signals
 * @ring_seqno: seqno of the descriptor on the ring (the card echoes it)
 *
 * Allocated at SUBMIT, initialised by run_job (which must not allocate),
 * signalled once: when the card completes the job, or when a reset fails
 * it.  A descriptor that a queue reset aborted is written to the ring
 * again with a new @ring_seqno and keeps its fence.  The error is the
 * card's status mapped to an errno (csa_sched.c), copied to the job's
 * finished fence.
 */
struct csa_fence {
	struct dma_fence base;
	struct csa_hw_queue *queue;
	struct csa_job *job;
	u64 ring_seqno;
};

/**
 * struct csa_ctx_state - what a queue context shares with its jobs
 * @refcount: the context holds one reference, every job another, so a
 *            job that outlives its context can still be accounted
 * @banned: set when a job of the context timed out; it is also the
 *          entity's guilty flag (queued jobs get -ECANCELED)
 * @jobs: submitted jobs not yet freed (bounded by CSA_CTX_MAX_JOBS)
 */
struct csa_ctx_state {
	refcount_t refcount;
	atomic_t banned;
	atomic_t jobs;
};

/**
 * struct csa_job_bo - one buffer bound to a job
 * @obj: the GEM object, referenced until the job is freed
 * @segtab: its segment table (valid while @obj is referenced and the
 *          device bound)
 * @access: CSA_ACCESS_* of the slot
 */
struct csa_job_bo {
	struct drm_gem_object *obj;
	const struct csa_segtab *segtab;
	u32 access;
};

/**
 * struct csa_job - one submitted command
 * @base: scheduler job
 * @queue: hardware queue it runs on
 * @state: its context's shared state (referenced)
 * @desc: descriptor, complete but for the seqno (set by run_job)
 * @fence: its hardware fence, preallocated at SUBMIT
 * @fence_live: @fence was initialised by run_job (then it is refcounted,
 *              else the job frees the raw allocation)
 * @tables: the bind table (one struct csa_bind_slot a slot), a block of
 *          the device's bind-table pool; the slots point at the objects'
 *          shared segment tables
 * @tables_dma: bus address of @tables
 * @tables_res: @tables is a device DMA resource (freed at unbind at the
 *              latest, csa_dma.c)
 * @num_bos: entries in @bos (= bind slots)
 * @bos: the bound buffers, slot order
 */
struct csa_job {
	struct drm_sched_job base;
	struct csa_hw_queue *queue;
	struct csa_ctx_state *state;
	struct csa_desc desc;
	struct csa_fence *fence;
	bool fence_live;
	void *tables;
	dma_addr_t tables_dma;
	struct csa_dma_res tables_res;
	u32 num_bos;
	struct csa_job_bo bos[];
};

static inline struct csa_job *to_csa_job(struct drm_sched_job *job)
{
	return container_of(job, struct csa_job, base);
}

/**
 * struct csa_queue_ctx - a queue context (QUEUE_CREATE) of one file
 * @refcount: the file's id table holds one reference, a SUBMIT in
 *            progress another; the entity is destroyed with the last one
 * @entity: scheduler entity: the context's jobs in submission order
 * @lock: serialises drm_sched_job_arm() + drm_sched_entity_push_job()
 *        and protects @last_scheduled
 * @queue: hardware queue the entity feeds
 * @last_scheduled: scheduled fence of the last job pushed (referenced),
 *                  NULL before the first; see csa_queue_ctx_release()
 * @state: ban flag and job count, shared with the context's jobs
 * @rcu: the context is freed after a grace period
 */
struct csa_queue_ctx {
	struct kref refcount;
	struct drm_sched_entity entity;
	struct mutex lock;	/* arm + push order, @last_scheduled */
	struct csa_hw_queue *queue;
	struct dma_fence *last_scheduled;
	struct csa_ctx_state *state;
	struct rcu_head rcu;
};

/**
 * struct csa_file - per-open-file state (drm_file.driver_priv)
 * @queues: queue contexts by id (ids start at 1)
 */
struct csa_file {
	struct xarray queues;
};

/* csa_job.c */
void csa_job_free(struct csa_job *job);
void csa_job_sync(struct csa_job *job, bool for_cpu);

/* csa_queue.c */
struct csa_queue_ctx *csa_queue_ctx_get(struct csa_file *cfile, u32 id);
void csa_queue_ctx_put(struct csa_queue_ctx *ctx);
void csa_ctx_state_put(struct csa_ctx_state *state);

#endif /* CSA_QUEUE_H */
