/* SPDX-License-Identifier: GPL-2.0 */
/*
 * csa trace events (tracefs events/csa/, trace-cmd record -e csa): a job's
 * life (submit, run, done, timeout), device resets, buffer objects.  A job
 * is named by its scheduler fence (context:seqno, as in the gpu_scheduler
 * events), its queue by "csa-q<N>@<pci address>".  See docs/driver.md,
 * "Tracing and debug output".
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM csa

#if !defined(CSA_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define CSA_TRACE_H

#include <linux/tracepoint.h>
#include <drm/drm_gem.h>

#include "csa_queue.h"

/*
 * Names are fixed arrays, not __string(): __assign_str() lost its source
 * argument in 6.10.  Queue names fit (struct csa_hw_queue.name).
 */
#define CSA_TRACE_NAME_LEN	32

/* A job's identity: its queue and its finished fence. */
DECLARE_EVENT_CLASS(csa_job,
	TP_PROTO(const struct csa_job *job),
	TP_ARGS(job),
	TP_STRUCT__entry(
		__array(char, queue, CSA_TRACE_NAME_LEN)
		__field(u64, context)
		__field(u64, seqno)
		__field(u32, opcode)
		__field(u32, num_bos)
	),
	TP_fast_assign(
		strscpy(__entry->queue, job->queue->name, CSA_TRACE_NAME_LEN);
		__entry->context = job->base.s_fence->finished.context;
		__entry->seqno = job->base.s_fence->finished.seqno;
		__entry->opcode = le32_to_cpu((__force __le32)job->desc.opcode);
		__entry->num_bos = job->num_bos;
	),
	TP_printk("queue=%s fence=%llu:%llu opcode=0x%x bos=%u",
		  __entry->queue, __entry->context, __entry->seqno,
		  __entry->opcode, __entry->num_bos)
);

/* SUBMIT pushed the job to its context's scheduler entity. */
DEFINE_EVENT(csa_job, csa_job_submit,
	TP_PROTO(const struct csa_job *job),
	TP_ARGS(job)
);

/* run_job wrote the job's descriptor to the ring (ring seqno: done's). */
TRACE_EVENT(csa_job_run,
	TP_PROTO(const struct csa_job *job, u64 ring_seqno),
	TP_ARGS(job, ring_seqno),
	TP_STRUCT__entry(
		__array(char, queue, CSA_TRACE_NAME_LEN)
		__field(u64, context)
		__field(u64, seqno)
		__field(u64, ring_seqno)
	),
	TP_fast_assign(
		strscpy(__entry->queue, job->queue->name, CSA_TRACE_NAME_LEN);
		__entry->context = job->base.s_fence->finished.context;
		__entry->seqno = job->base.s_fence->finished.seqno;
		__entry->ring_seqno = ring_seqno;
	),
	TP_printk("queue=%s fence=%llu:%llu ring_seqno=%llu",
		  __entry->queue, __entry->context, __entry->seqno,
		  __entry->ring_seqno)
);

/* The job's hardware fence signalled: 0 or the errno of its result. */
TRACE_EVENT(csa_job_done,
	TP_PROTO(const struct csa_job *job, u64 ring_seqno, int error),
	TP_ARGS(job, ring_seqno, error),
	TP_STRUCT__entry(
		__array(char, queue, CSA_TRACE_NAME_LEN)
		__field(u64, context)
		__field(u64, seqno)
		__field(u64, ring_seqno)
		__field(int, error)
	),
	TP_fast_assign(
		strscpy(__entry->queue, job->queue->name, CSA_TRACE_NAME_LEN);
		__entry->context = job->base.s_fence->finished.context;
		__entry->seqno = job->base.s_fence->finished.seqno;
		__entry->ring_seqno = ring_seqno;
		__entry->error = error;
	),
	TP_printk("queue=%s fence=%llu:%llu ring_seqno=%llu error=%d",
		  __entry->queue, __entry->context, __entry->seqno,
		  __entry->ring_seqno, __entry->error)
);

/* The job hung: its queue was reset, @requeued jobs went back on it. */
TRACE_EVENT(csa_job_timeout,
	TP_PROTO(const struct csa_job *job, unsigned int requeued),
	TP_ARGS(job, requeued),
	TP_STRUCT__entry(
		__array(char, queue, CSA_TRACE_NAME_LEN)
		__field(u64, context)
		__field(u64, seqno)
		__field(unsigned int, requeued)
	),
	TP_fast_assign(
		strscpy(__entry->queue, job->queue->name, CSA_TRACE_NAME_LEN);
		__entry->context = job->base.s_fence->finished.context;
		__entry->seqno = job->base.s_fence->finished.seqno;
		__entry->requeued = requeued;
	),
	TP_printk("queue=%s fence=%llu:%llu requeued=%u",
		  __entry->queue, __entry->context, __entry->seqno,
		  __entry->requeued)
);

/* A whole-device reset (csa_reset.c) finished: 0 or why the card is lost. */
TRACE_EVENT(csa_reset,
	TP_PROTO(const struct device *dev, unsigned int resets, int error),
	TP_ARGS(dev, resets, error),
	TP_STRUCT__entry(
		__array(char, dev, CSA_TRACE_NAME_LEN)
		__field(unsigned int, resets)
		__field(int, error)
	),
	TP_fast_assign(
		strscpy(__entry->dev, dev_name(dev), CSA_TRACE_NAME_LEN);
		__entry->resets = resets;
		__entry->error = error;
	),
	TP_printk("dev=%s resets=%u error=%d", __entry->dev,
		  __entry->resets, __entry->error)
);

/* Buffer objects: created (BO_CREATE, BO_USERPTR, import) and freed. */
DECLARE_EVENT_CLASS(csa_bo,
	TP_PROTO(const struct drm_gem_object *obj),
	TP_ARGS(obj),
	TP_STRUCT__entry(
		__array(char, dev, CSA_TRACE_NAME_LEN)
		__field(const void *, obj)
		__field(size_t, size)
		__field(bool, imported)
	),
	TP_fast_assign(
		strscpy(__entry->dev, dev_name(obj->dev->dev), CSA_TRACE_NAME_LEN);
		__entry->obj = obj;
		__entry->size = obj->size;
		__entry->imported = obj->import_attach;
	),
	TP_printk("dev=%s obj=%p size=%zu imported=%d", __entry->dev,
		  __entry->obj, __entry->size, __entry->imported)
);

DEFINE_EVENT(csa_bo, csa_bo_create,
	TP_PROTO(const struct drm_gem_object *obj),
	TP_ARGS(obj)
);

DEFINE_EVENT(csa_bo, csa_bo_free,
	TP_PROTO(const struct drm_gem_object *obj),
	TP_ARGS(obj)
);

#endif /* CSA_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE csa_trace
#include <trace/define_trace.h>
