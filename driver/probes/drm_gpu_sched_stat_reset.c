// SPDX-License-Identifier: GPL-2.0
/* DRM_GPU_SCHED_STAT_NOMINAL was renamed DRM_GPU_SCHED_STAT_RESET (6.17). */
#include <drm/gpu_scheduler.h>

int csa_probe_stat(void);

int csa_probe_stat(void)
{
	return DRM_GPU_SCHED_STAT_RESET;
}
