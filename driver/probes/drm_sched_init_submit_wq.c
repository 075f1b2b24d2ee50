// SPDX-License-Identifier: GPL-2.0
/*
 * drm_sched_init() of 6.8-6.14: positional, with a submit workqueue and
 * the number of run queues (kernels without drm_sched_init_args).
 */
#include <drm/gpu_scheduler.h>

int csa_probe_sched(struct drm_gpu_scheduler *sched,
		    const struct drm_sched_backend_ops *ops);

int csa_probe_sched(struct drm_gpu_scheduler *sched,
		    const struct drm_sched_backend_ops *ops)
{
	return drm_sched_init(sched, ops, NULL, DRM_SCHED_PRIORITY_COUNT, 1, 0,
			      1, NULL, NULL, "csa", NULL);
}
