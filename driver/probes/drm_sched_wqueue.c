// SPDX-License-Identifier: GPL-2.0
/*
 * drm_sched runs on a workqueue (6.8): drm_sched_wqueue_stop()/start()
 * replace parking &drm_gpu_scheduler.thread.
 */
#include <drm/gpu_scheduler.h>

void csa_probe_wqueue(struct drm_gpu_scheduler *sched);

void csa_probe_wqueue(struct drm_gpu_scheduler *sched)
{
	drm_sched_wqueue_stop(sched);
	drm_sched_wqueue_start(sched);
}
