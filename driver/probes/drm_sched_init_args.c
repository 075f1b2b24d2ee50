// SPDX-License-Identifier: GPL-2.0
/*
 * drm_sched_init(sched, &args): upstream 6.15, backported to Debian's
 * 6.1.192+; older kernels take a long positional argument list.
 */
#include <drm/gpu_scheduler.h>

int csa_probe_sched(struct drm_gpu_scheduler *sched,
		    const struct drm_sched_init_args *args);

int csa_probe_sched(struct drm_gpu_scheduler *sched,
		    const struct drm_sched_init_args *args)
{
	return drm_sched_init(sched, args);
}
