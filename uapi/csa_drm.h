/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * CSA user ABI: ioctls of the csa DRM render node.
 *
 * Rules (Documentation/process/botching-up-ioctls.rst): fixed-width types,
 * 64-bit aligned structs, every pad and reserved field must be zero and
 * every unknown flag is rejected with -EINVAL.  Features are discovered
 * with DRM_CSA_PARAM_UAPI_VERSION and DRM_CSA_PARAM_FEATURES.
 */
#ifndef CSA_DRM_H
#define CSA_DRM_H

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

#define CSA_DRIVER_NAME		"csa"

/* uapi version: bumped (minor) whenever a param, flag or ioctl is added */
#define CSA_UAPI_VERSION_MAJOR	1
#define CSA_UAPI_VERSION_MINOR	2

#define DRM_CSA_GET_PARAM	0x00
#define DRM_CSA_BO_CREATE	0x01
#define DRM_CSA_BO_INFO		0x02
#define DRM_CSA_BO_USERPTR	0x03
#define DRM_CSA_BO_WAIT		0x04
#define DRM_CSA_QUEUE_CREATE	0x05
#define DRM_CSA_QUEUE_DESTROY	0x06
#define DRM_CSA_SUBMIT		0x07

#define DRM_IOCTL_CSA_GET_PARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_CSA_GET_PARAM, struct drm_csa_get_param)
#define DRM_IOCTL_CSA_BO_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_CSA_BO_CREATE, struct drm_csa_bo_create)
#define DRM_IOCTL_CSA_BO_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_CSA_BO_INFO, struct drm_csa_bo_info)
#define DRM_IOCTL_CSA_BO_USERPTR \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_CSA_BO_USERPTR, struct drm_csa_bo_userptr)
#define DRM_IOCTL_CSA_BO_WAIT \
	DRM_IOW(DRM_COMMAND_BASE + DRM_CSA_BO_WAIT, struct drm_csa_bo_wait)
#define DRM_IOCTL_CSA_QUEUE_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_CSA_QUEUE_CREATE, struct drm_csa_queue_create)
#define DRM_IOCTL_CSA_QUEUE_DESTROY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_CSA_QUEUE_DESTROY, struct drm_csa_queue_destroy)
#define DRM_IOCTL_CSA_SUBMIT \
	DRM_IOW(DRM_COMMAND_BASE + DRM_CSA_SUBMIT, struct drm_csa_submit)

/* Parameters for DRM_IOCTL_CSA_GET_PARAM */
#define DRM_CSA_PARAM_UAPI_VERSION	0	/* major << 16 | minor */
#define DRM_CSA_PARAM_FEATURES		1	/* DRM_CSA_FEATURE_* bits */
#define DRM_CSA_PARAM_PCI_ID		2	/* vendor << 16 | device */
#define DRM_CSA_PARAM_HW_VERSION	3	/* major << 16 | minor */
#define DRM_CSA_PARAM_FW_VERSION	4	/* major << 16 | minor << 8 | patch */
#define DRM_CSA_PARAM_FW_ABI		5	/* ABI of the running firmware */
#define DRM_CSA_PARAM_NUM_QUEUES	6	/* hardware queues */
#define DRM_CSA_PARAM_DP_LANES		7	/* parallel multiply lanes */
#define DRM_CSA_PARAM_MAX_K		8	/* max kernels per packed group */
#define DRM_CSA_PARAM_MAX_DIM		9	/* max size of one tensor dimension */
#define DRM_CSA_PARAM_MAX_TENSOR	10	/* max elements of one tensor */
#define DRM_CSA_PARAM_CLOCK_KHZ		11	/* datapath clock */
#define DRM_CSA_PARAM_SERIAL		12	/* board serial number */
#define DRM_CSA_PARAM_MAX_BINDS		13	/* max buffers bound by one job */
#define DRM_CSA_PARAM_MAX_BO_SIZE	14	/* max bytes of one buffer object */
#define DRM_CSA_PARAM_JOB_TIMEOUT_MS	15	/* a job running longer is reset */

/* Feature bits reported by DRM_CSA_PARAM_FEATURES */
#define DRM_CSA_FEATURE_BO		(1ull << 0)	/* BO_CREATE/INFO/WAIT, mmap, PRIME */
#define DRM_CSA_FEATURE_USERPTR		(1ull << 1)	/* BO_USERPTR */
#define DRM_CSA_FEATURE_QUEUES		(1ull << 2)	/* QUEUE_CREATE/DESTROY, SUBMIT */

/**
 * struct drm_csa_get_param - query one card parameter
 * @param: in, one of DRM_CSA_PARAM_*; unknown values give -EINVAL
 * @flags: in, must be 0 (no flags are defined)
 * @value: out, the parameter's value
 * @reserved: in, must be 0
 */
struct drm_csa_get_param {
	__u32 param;
	__u32 flags;
	__u64 value;
	__u64 reserved;
};

/**
 * struct drm_csa_bo_create - create a GEM shmem buffer object
 * @size: in, bytes wanted (> 0, <= DRM_CSA_PARAM_MAX_BO_SIZE, else -EINVAL
 *        for 0 and -E2BIG for too large); out, the page-rounded size
 * @flags: in, must be 0
 * @handle: out, GEM handle, valid in this file only
 *
 * Pages are allocated on first use (first mmap() or first job) and charged
 * to the memory cgroup of the process that uses them.  Map the object
 * with mmap() at the offset DRM_IOCTL_CSA_BO_INFO reports.
 */
struct drm_csa_bo_create {
	__u64 size;
	__u32 flags;
	__u32 handle;
};

/* Flags reported in drm_csa_bo_info.bo_flags */
#define DRM_CSA_BO_FLAG_USERPTR		(1u << 0)	/* wraps user memory */
#define DRM_CSA_BO_FLAG_READ_ONLY	(1u << 1)	/* the card may only read it */
#define DRM_CSA_BO_FLAG_IMPORTED	(1u << 2)	/* imported dma-buf */

/**
 * struct drm_csa_bo_info - describe a buffer object
 * @handle: in, GEM handle (-ENOENT if not a handle of this file)
 * @flags: in, must be 0
 * @size: out, size in bytes
 * @mmap_offset: out, fake offset to mmap() the object on this fd; 0 for
 *               objects that cannot be mapped through the DRM fd (userptr:
 *               use the original memory)
 * @bo_flags: out, DRM_CSA_BO_FLAG_*
 * @pad: in, must be 0
 */
struct drm_csa_bo_info {
	__u32 handle;
	__u32 flags;
	__u64 size;
	__u64 mmap_offset;
	__u32 bo_flags;
	__u32 pad;
};

/* Flags of drm_csa_bo_userptr.flags */
#define DRM_CSA_USERPTR_READ_ONLY	(1u << 0)	/* card never writes it */

/**
 * struct drm_csa_bo_userptr - wrap the caller's own memory in a BO
 * @user_ptr: in, start, page aligned (-EINVAL otherwise)
 * @size: in, bytes, > 0, page multiple, no wrap-around (-EINVAL),
 *        <= DRM_CSA_PARAM_MAX_BO_SIZE (-E2BIG); the whole range must be
 *        mapped (-EFAULT), writable unless READ_ONLY, and fit the caller's
 *        RLIMIT_MEMLOCK unless CAP_IPC_LOCK (-ENOMEM)
 * @flags: in, DRM_CSA_USERPTR_*
 * @handle: out, GEM handle
 *
 * The pages are pinned (FOLL_LONGTERM) until the handle and every job using
 * it are gone; the card reads and writes them in place.
 */
struct drm_csa_bo_userptr {
	__u64 user_ptr;
	__u64 size;
	__u32 flags;
	__u32 handle;
};

/* Flags of drm_csa_bo_wait.flags */
#define DRM_CSA_BO_WAIT_READ		(1u << 0)	/* CPU will only read: wait
							 * for card writers only */

/**
 * struct drm_csa_bo_wait - wait until the card is done with a buffer
 * @handle: in, GEM handle (-ENOENT)
 * @flags: in, DRM_CSA_BO_WAIT_*
 * @timeout_ns: in, absolute CLOCK_MONOTONIC deadline in ns; a deadline in
 *              the past only polls.  -ETIMEDOUT if jobs are still running
 *              at the deadline; the ioctl restarts after a signal.
 *
 * On success the CPU may access the buffer (DMA syncs for the CPU are done).
 */
struct drm_csa_bo_wait {
	__u32 handle;
	__u32 flags;
	__s64 timeout_ns;
};

/* drm_csa_queue_create.priority (uapi 1.2: 0 is NORMAL) */
#define DRM_CSA_PRIORITY_NORMAL		0
#define DRM_CSA_PRIORITY_LOW		1
#define DRM_CSA_PRIORITY_HIGH		2	/* needs CAP_SYS_NICE */

/**
 * struct drm_csa_queue_create - create a queue context on a hardware queue
 * @hw_queue: in, hardware queue index < DRM_CSA_PARAM_NUM_QUEUES (-EINVAL)
 * @priority: in, DRM_CSA_PRIORITY_* (-EINVAL otherwise); HIGH needs
 *            CAP_SYS_NICE (-EACCES)
 * @flags: in, must be 0
 * @queue_id: out, id of the context, valid in this file only; a file has
 *            at most 1024 contexts (-EBUSY)
 *
 * Jobs of one context run in submission order; contexts on the same
 * hardware queue are scheduled by strict priority.  A context whose job
 * timed out is banned: its queued jobs fail with -ECANCELED and SUBMIT
 * to it fails with -EBADFD; destroy it and create a new one.
 */
struct drm_csa_queue_create {
	__u32 hw_queue;
	__u32 priority;
	__u32 flags;
	__u32 queue_id;
};

/**
 * struct drm_csa_queue_destroy - destroy a queue context
 * @queue_id: in, id from QUEUE_CREATE (-ENOENT)
 * @pad: in, must be 0
 *
 * Jobs already submitted still run and signal their fences.
 */
struct drm_csa_queue_destroy {
	__u32 queue_id;
	__u32 pad;
};

/* drm_csa_bind.access */
#define DRM_CSA_ACCESS_READ		(1u << 0)
#define DRM_CSA_ACCESS_WRITE		(1u << 1)

/**
 * struct drm_csa_bind - one buffer a job uses; its index is the slot number
 *                       the command's operands refer to
 * @handle: in, GEM handle (-ENOENT); a handle may appear only once (-EINVAL)
 * @access: in, non-empty set of DRM_CSA_ACCESS_*; WRITE on a read-only
 *          userptr BO gives -EACCES
 */
struct drm_csa_bind {
	__u32 handle;
	__u32 access;
};

/**
 * struct drm_csa_sync - a syncobj a job waits on or signals
 * @handle: in, syncobj handle (-ENOENT)
 * @flags: in, must be 0
 * @point: in, timeline point, 0 for a binary syncobj
 */
struct drm_csa_sync {
	__u32 handle;
	__u32 flags;
	__u64 point;
};

/* drm_csa_cmd.flags */
#define DRM_CSA_CMD_STATUS		(1u << 0)	/* card writes its 32-byte
							 * completion record
							 * (struct drm_csa_cpl)
							 * at status_slot/offset */

/**
 * struct drm_csa_cmd - the command a job executes on the card
 * @opcode: in, DRM_CSA_OP_*; the card validates it (unknown: BAD_OPCODE)
 * @flags: in, DRM_CSA_CMD_* (-EINVAL for unknown bits)
 * @dst_slot: in, bind slot of the destination operand
 * @src_slot: in, bind slot of the source operand
 * @dst_offset: in, byte offset in dst_slot, < 2^48 (-EINVAL)
 * @src_offset: in, byte offset in src_slot, < 2^48 (-EINVAL)
 * @size: in, bytes the command touches
 * @value: in, opcode-specific value (FILL pattern, WRITE_VALUE value)
 * @status_slot: in, bind slot for the completion record (DRM_CSA_CMD_STATUS)
 * @pad: in, must be 0
 * @status_offset: in, byte offset of the completion record, < 2^48
 *
 * The kernel does not interpret operands: the card checks every slot,
 * range and access mode and fails the job with a status instead.
 */
struct drm_csa_cmd {
	__u32 opcode;
	__u32 flags;
	__u32 dst_slot;
	__u32 src_slot;
	__u64 dst_offset;
	__u64 src_offset;
	__u64 size;
	__u64 value;
	__u32 status_slot;
	__u32 pad;
	__u64 status_offset;
};

/*
 * What the card does with a command and what it reports, as userspace
 * sees it (values fixed by the hardware contract, firmware/csa_hw.h;
 * docs/hardware.md describes each).
 */

/* drm_csa_cmd.opcode */
#define DRM_CSA_OP_NOP			0x00	/* nothing */
#define DRM_CSA_OP_FILL			0x01	/* dst[0..size) = 32-bit pattern value */
#define DRM_CSA_OP_COPY			0x02	/* dst[0..size) = src[0..size) */
#define DRM_CSA_OP_WRITE_VALUE		0x03	/* 8 bytes at dst = value */
#define DRM_CSA_OP_TIMESTAMP		0x04	/* 8 bytes at dst = card cycle counter */
#define DRM_CSA_OP_PROGRAM		0x08	/* run the job program at dst, size bytes */
/* test cards only (the virtual card's debug-ops); others: BAD_OPCODE */
#define DRM_CSA_OP_DEBUG_HANG		0xf0	/* never completes: the job times out */
#define DRM_CSA_OP_DEBUG_DMA_ERROR	0xf1	/* fails with DMA_ERROR */
#define DRM_CSA_OP_DEBUG_CRASH		0xf2	/* the card fails as a whole */
#define DRM_CSA_OP_DEBUG_DELAY		0xf3	/* completes after value card cycles */

/* drm_csa_cpl.status: the card's verdict (the fence error maps it) */
#define DRM_CSA_STATUS_OK		0	/* fence 0 */
#define DRM_CSA_STATUS_BAD_OPCODE	1	/* -EINVAL */
#define DRM_CSA_STATUS_BAD_DESC		2	/* -EINVAL */
#define DRM_CSA_STATUS_BAD_BIND		3	/* -EFAULT */
#define DRM_CSA_STATUS_BAD_SLOT		4	/* -EFAULT */
#define DRM_CSA_STATUS_OUT_OF_BOUNDS	5	/* -EFAULT */
#define DRM_CSA_STATUS_ACCESS		6	/* -EACCES */
#define DRM_CSA_STATUS_DMA_ERROR	7	/* -EIO */
#define DRM_CSA_STATUS_PROGRAM		8	/* -ENOEXEC; detail: csa_format.h */

/**
 * struct drm_csa_cpl - the completion record a command with
 *                      DRM_CSA_CMD_STATUS writes (32 bytes, little endian)
 * @seqno: the card's sequence number of the command (non-zero)
 * @status: DRM_CSA_STATUS_*
 * @detail: for a failure, which operand (0 dst, 1 src, 2 status); for
 *          DRM_CSA_STATUS_PROGRAM op << 16 | operand << 8 | reason
 * @cycles: card cycles the command took (datapath cost model)
 * @timestamp: card cycle counter at completion
 *
 * The card writes it as the last step of the command.
 */
struct drm_csa_cpl {
	__u64 seqno;
	__u32 status;
	__u32 detail;
	__u64 cycles;
	__u64 timestamp;
};

#define DRM_CSA_MAX_SYNCS	64	/* per direction and job */

/**
 * struct drm_csa_submit - queue one job
 * @queue_id: in, queue context (-ENOENT)
 * @flags: in, must be 0
 * @binds: in, user pointer to num_binds struct drm_csa_bind (-EFAULT)
 * @num_binds: in, <= DRM_CSA_PARAM_MAX_BINDS (-E2BIG)
 * @num_in_syncs: in, <= DRM_CSA_MAX_SYNCS (-E2BIG)
 * @in_syncs: in, user pointer to struct drm_csa_sync the job waits for;
 *            a point with no fence yet gives -EINVAL
 * @out_syncs: in, user pointer to struct drm_csa_sync that get the job's
 *             fence (binary: replaced; timeline: the point is added)
 * @num_out_syncs: in, <= DRM_CSA_MAX_SYNCS (-E2BIG)
 * @pad: in, must be 0
 * @cmd: in, the command
 *
 * The job also waits for the implicit fences of its buffers (writers for
 * READ slots, everyone for WRITE slots) and adds its own fence to them.
 * A context has at most 256 unfinished jobs (-EBUSY: wait for some and
 * submit again); a banned context (one of its jobs hung) gives -EBADFD.
 * Its fence signals with error 0, or: -EIO (card status DMA_ERROR),
 * -EINVAL (BAD_OPCODE, BAD_DESC), -EFAULT (BAD_BIND, BAD_SLOT,
 * OUT_OF_BOUNDS), -EACCES (ACCESS), -ENOEXEC (PROGRAM: the card refused
 * or could not finish a job program; the status record's detail says
 * where), -ETIMEDOUT (it hung and the queue was reset; its context is
 * banned), -ECANCELED (its context was banned before it ran, or it was
 * aborted by a reset and could not run again).  Read the error
 * from a sync_file (SYNC_IOC_FILE_INFO).
 */
struct drm_csa_submit {
	__u32 queue_id;
	__u32 flags;
	__u64 binds;
	__u32 num_binds;
	__u32 num_in_syncs;
	__u64 in_syncs;
	__u64 out_syncs;
	__u32 num_out_syncs;
	__u32 pad;
	struct drm_csa_cmd cmd;
};

#if defined(__cplusplus)
}
#endif

#endif /* CSA_DRM_H */
