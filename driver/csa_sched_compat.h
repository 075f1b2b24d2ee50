/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drm_sched across the kernels csa.ko builds for (6.1 to 7.x), chosen by
 * the compile probes of driver/probes (csa_compat.h), never by version.
 * See docs/driver.md, "Kernel versions".
 */
#ifndef CSA_SCHED_COMPAT_H
#define CSA_SCHED_COMPAT_H

#include <linux/kthread.h>
#include <linux/workqueue.h>
#include <drm/drm_file.h>
#include <drm/gpu_scheduler.h>

#include "csa_compat.h"

/* The lowest user priority: _MIN until 6.7, _LOW since. */
#ifdef HAVE_DRM_SCHED_PRIORITY_LOW
#define CSA_SCHED_PRIORITY_LOW	DRM_SCHED_PRIORITY_LOW
#else
#define CSA_SCHED_PRIORITY_LOW	DRM_SCHED_PRIORITY_MIN
#endif

/* "The job timed out and the queue was reset": _NOMINAL until 6.16. */
#ifdef HAVE_DRM_GPU_SCHED_STAT_RESET
#define CSA_SCHED_STAT_RESET	DRM_GPU_SCHED_STAT_RESET
#else
#define CSA_SCHED_STAT_RESET	DRM_GPU_SCHED_STAT_NOMINAL
#endif

/* Every job takes one credit of the scheduler's CSA_QUEUE_HW_JOBS. */
static inline int csa_sched_job_init(struct drm_sched_job *job,
				     struct drm_sched_entity *entity,
				     struct drm_file *file)
{
#if defined(HAVE_DRM_SCHED_JOB_INIT_CLIENT_ID)
	return drm_sched_job_init(job, entity, 1, file, file->client_id);
#elif defined(HAVE_DRM_SCHED_JOB_INIT_CREDITS)
	return drm_sched_job_init(job, entity, 1, file);
#else
	return drm_sched_job_init(job, entity, file);
#endif
}

/*
 * Stop feeding the ring: no run_job runs after this returns, until
 * csa_sched_submit_start().  The 6.1 scheduler is a kthread (parked),
 * later ones a workqueue.
 */
static inline void csa_sched_submit_stop(struct drm_gpu_scheduler *sched)
{
#ifdef HAVE_DRM_SCHED_WQUEUE
	drm_sched_wqueue_stop(sched);
#else
	kthread_park(sched->thread);
#endif
}

static inline void csa_sched_submit_start(struct drm_gpu_scheduler *sched)
{
#ifdef HAVE_DRM_SCHED_WQUEUE
	drm_sched_wqueue_start(sched);
#else
	kthread_unpark(sched->thread);
#endif
}

/*
 * The scheduler takes a timed-out job off its pending list for the
 * timedout_job handler.  Return the job there, so it is freed once its
 * fence signals (perhaps already has): on 6.17+ the handler returns
 * DRM_GPU_SCHED_STAT_NO_HANG and the scheduler does it; before, the
 * driver puts it back and wakes the scheduler's cleanup itself (its
 * thread on 6.1, the free-job work on 6.8+).  Returns what the handler
 * returns to the scheduler, @stat there.
 */
static inline enum drm_gpu_sched_stat
csa_sched_job_giveback(struct drm_gpu_scheduler *sched,
		       struct drm_sched_job *job, enum drm_gpu_sched_stat stat)
{
#ifdef HAVE_DRM_GPU_SCHED_STAT_NO_HANG
	return DRM_GPU_SCHED_STAT_NO_HANG;
#else
	spin_lock(&sched->job_list_lock);
	list_add(&job->list, &sched->pending_list);
	spin_unlock(&sched->job_list_lock);
#ifdef HAVE_DRM_SCHED_WQUEUE
	if (!READ_ONCE(sched->pause_submit))
		queue_work(sched->submit_wq, &sched->work_free_job);
#else
	wake_up_interruptible(&sched->wake_up_worker);
#endif
	return stat;
#endif
}

#endif /* CSA_SCHED_COMPAT_H */
