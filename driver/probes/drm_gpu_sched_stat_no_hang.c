// SPDX-License-Identifier: GPL-2.0
/*
 * A timedout_job handler returning DRM_GPU_SCHED_STAT_NO_HANG (6.17) gets
 * the job put back on the pending list by the scheduler, which then frees
 * it when it is done; older kernels leave that to the driver.
 */
#include <drm/gpu_scheduler.h>

int csa_probe_stat(void);

int csa_probe_stat(void)
{
	return DRM_GPU_SCHED_STAT_NO_HANG;
}
