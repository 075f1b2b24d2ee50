/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Job programs (CSA_OP_PROGRAM) through the driver, for the csa_prog_*
 * VM suites: one GEM BO per bind slot, written and read through mmap
 * (guard byte 0xa5 everywhere nothing was written), one PROGRAM job with a
 * status record in a BO of its own (bound after the program's slots), the
 * job's fence error, and the CPU reference: the firmware engine
 * (firmware/csa_prog.c, linked into the suite) run with csa_prog_mem_io
 * over copies of the same slots taken before the job, with the card's
 * lanes, max-k, max-dim and max-tensor (GET_PARAM) and its 8 MiB of
 * datapath memory.  Packed layers, references and programs come from
 * tests/host/test_dp_ref.h.
 */
#ifndef CSA_PROG_UTIL_H
#define CSA_PROG_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../host/test_dp_ref.h"
#include "csa_cmdproc.h"
#include "csa_drm.h"
#include "csa_hw.h"
#include "csa_prog.h"
#include "csa_vm.h"

#define PJ_MAX_SLOTS	32
#define PJ_GUARD	0xa5
#define PJ_WAIT_MS	30000
/* datapath memory of the virtual card (CSA_SCRATCH_SIZE in csa_card.c) */
#define PJ_SCRATCH	(8u << 20)

static uint8_t pj_scratch[PJ_SCRATCH] __attribute__((aligned(8)));

struct pj_slot {
	uint32_t handle;
	uint8_t *map;
	uint64_t size;		/* the BO's size = the card's slot size */
	uint32_t access;	/* CSA_ACCESS_* = DRM_CSA_ACCESS_* */
	uint8_t *ref;		/* before the job, then the CPU reference's */
	bool user;		/* userptr: map is the process's own memory */
};

struct pj {
	int fd;
	uint32_t queue, syncobj;
	uint64_t lanes, max_k, max_dim, max_tensor;
	uint32_t nslots;
	struct pj_slot s[PJ_MAX_SLOTS];
	uint32_t status_bo;
	uint8_t *status_map;
	/* of the last pj_run() */
	int fence;			/* 0 or the fence error */
	struct csa_cpl cpl;		/* the status record */
	struct csa_prog_result ref;	/* the CPU reference's outcome */
	int64_t card_ns, ref_ns;	/* submit to fence, reference run */
};

/* Open card @idx of the VM's card list, read its limits, make a queue. */
static inline int pj_open(struct pj *p, unsigned int idx)
{
	struct csa_vm_card cards[CSA_VM_MAX_CARDS];
	int n = csa_vm_cards(cards, CSA_VM_MAX_CARDS), ret;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	if (n < 0)
		return n;
	if ((unsigned int)n <= idx)
		return -ENODEV;
	p->fd = csa_vm_open_render(cards[idx].addr);
	if (p->fd < 0)
		return p->fd;
	ret = csa_vm_get_param(p->fd, DRM_CSA_PARAM_DP_LANES, 0, 0, &p->lanes);
	if (!ret)
		ret = csa_vm_get_param(p->fd, DRM_CSA_PARAM_MAX_K, 0, 0, &p->max_k);
	if (!ret)
		ret = csa_vm_get_param(p->fd, DRM_CSA_PARAM_MAX_DIM, 0, 0,
				       &p->max_dim);
	if (!ret)
		ret = csa_vm_get_param(p->fd, DRM_CSA_PARAM_MAX_TENSOR, 0, 0,
				       &p->max_tensor);
	if (!ret)
		ret = csa_vm_queue_create(p->fd, 0, DRM_CSA_PRIORITY_NORMAL,
					  &p->queue);
	if (!ret)
		ret = csa_vm_syncobj_create(p->fd, &p->syncobj);
	if (!ret)
		ret = csa_vm_bo_create(p->fd, 4096, &p->status_bo);
	if (!ret) {
		p->status_map = csa_vm_bo_map(p->fd, p->status_bo, 4096);
		if (!p->status_map)
			ret = -errno;
	}
	return ret;
}

static inline void pj_free_slots(struct pj *p);

static inline void pj_close(struct pj *p)
{
	if (p->fd >= 0)
		pj_free_slots(p);
	if (p->status_map)
		munmap(p->status_map, 4096);
	if (p->fd >= 0)
		close(p->fd);
	memset(p, 0, sizeof(*p));
	p->fd = -1;
}

/*
 * A new slot: a BO of at least @size bytes (page rounded: the slot is the
 * whole BO), all guard bytes.  Returns its index, or -errno.
 */
static inline int pj_slot(struct pj *p, uint64_t size, uint32_t access)
{
	struct pj_slot *s = &p->s[p->nslots];
	int ret;

	if (p->nslots >= PJ_MAX_SLOTS)
		return -ENOSPC;
	s->size = (size + 4095) & ~4095ull;
	ret = csa_vm_bo_create(p->fd, s->size, &s->handle);
	if (ret)
		return ret;
	s->map = csa_vm_bo_map(p->fd, s->handle, s->size);
	if (!s->map)
		return -errno;
	memset(s->map, PJ_GUARD, s->size);
	s->access = access;
	return (int)p->nslots++;
}

/*
 * The same as a userptr BO over the process's own memory, read-only
 * (DRM_CSA_USERPTR_READ_ONLY) unless @access has WRITE.
 */
static inline int pj_slot_userptr(struct pj *p, uint64_t size, uint32_t access)
{
	struct pj_slot *s = &p->s[p->nslots];
	void *mem;
	int ret;

	if (p->nslots >= PJ_MAX_SLOTS)
		return -ENOSPC;
	s->size = (size + 4095) & ~4095ull;
	if (posix_memalign(&mem, 4096, s->size))
		return -ENOMEM;
	memset(mem, PJ_GUARD, s->size);
	ret = csa_vm_bo_userptr(p->fd, mem, s->size,
				access & DRM_CSA_ACCESS_WRITE ? 0 :
				DRM_CSA_USERPTR_READ_ONLY, &s->handle);
	if (ret) {
		free(mem);
		return ret;
	}
	s->map = mem;
	s->user = true;
	s->access = access;
	return (int)p->nslots++;
}

/* Unmap and close every slot (the next case makes its own). */
static inline void pj_free_slots(struct pj *p)
{
	for (uint32_t i = 0; i < p->nslots; i++) {
		csa_vm_gem_close(p->fd, p->s[i].handle);
		if (p->s[i].user)
			free(p->s[i].map);
		else if (p->s[i].map)
			munmap(p->s[i].map, p->s[i].size);
		free(p->s[i].ref);
		memset(&p->s[i], 0, sizeof(p->s[i]));
	}
	p->nslots = 0;
}

/* The bind table of the job: the slots, then the status record's BO. */
static inline uint32_t pj_binds(const struct pj *p, struct drm_csa_bind *b)
{
	for (uint32_t i = 0; i < p->nslots; i++)
		b[i] = (struct drm_csa_bind){ .handle = p->s[i].handle,
					      .access = p->s[i].access };
	b[p->nslots] = (struct drm_csa_bind){ .handle = p->status_bo,
					      .access = DRM_CSA_ACCESS_WRITE };
	return p->nslots + 1;
}

/*
 * Run the program of @len bytes at (@slot, 0) on the card and, over the
 * slots as they were before, on the CPU reference.  Returns 0 or the
 * -errno of the submit or the wait (the fence error is in p->fence).
 */
static inline int pj_run(struct pj *p, uint32_t slot, uint64_t len)
{
	struct drm_csa_bind binds[PJ_MAX_SLOTS + 1];
	struct csa_prog_mem_slot ms[PJ_MAX_SLOTS];
	struct csa_prog_mem mem = { ms, p->nslots };
	struct drm_csa_cmd cmd = {
		.opcode = CSA_OP_PROGRAM, .flags = DRM_CSA_CMD_STATUS,
		.dst_slot = slot, .size = len, .status_slot = p->nslots,
	};
	struct csa_prog_env env = {
		.io = &csa_prog_mem_io, .ctx = &mem, .lanes = (uint32_t)p->lanes,
		.max_k = (uint32_t)p->max_k, .max_dim = (uint32_t)p->max_dim,
		.max_tensor = (uint32_t)p->max_tensor, .scratch = pj_scratch,
		.scratch_size = PJ_SCRATCH,
	};
	uint32_t n = pj_binds(p, binds);
	int64_t t0;
	int ret;

	for (uint32_t i = 0; i < p->nslots; i++) {
		free(p->s[i].ref);
		p->s[i].ref = malloc(p->s[i].size);
		if (!p->s[i].ref)
			return -ENOMEM;
		memcpy(p->s[i].ref, p->s[i].map, p->s[i].size);
		ms[i] = (struct csa_prog_mem_slot){ p->s[i].ref, p->s[i].size,
						    p->s[i].access, 0 };
	}
	memset(p->status_map, 0, CSA_CPL_SIZE);
	memset(&p->cpl, 0, sizeof(p->cpl));
	t0 = csa_vm_now_ns();
	ret = csa_vm_job(p->fd, p->queue, &cmd, binds, n, p->syncobj);
	if (ret)
		return ret;
	p->fence = csa_vm_job_result(p->fd, p->syncobj, PJ_WAIT_MS);
	p->card_ns = csa_vm_now_ns() - t0;
	if (p->fence == -ETIME)
		return -ETIME;
	memcpy(&p->cpl, p->status_map, sizeof(p->cpl));
	t0 = csa_vm_now_ns();
	csa_prog_run(&env, slot, 0, len, &p->ref);
	p->ref_ns = csa_vm_now_ns() - t0;
	return 0;
}

static inline const char *pj_reason(uint32_t detail)
{
	return csa_prog_err_name(CSA_PROG_DETAIL_ERR(detail));
}

/*
 * After pj_run(): every slot equals the CPU reference's byte for byte
 * (for a refused program: what it held before).  Says which differs.
 */
static inline bool pj_slots_match(const struct pj *p)
{
	for (uint32_t i = 0; i < p->nslots; i++) {
		long at = first_diff(p->s[i].map, p->s[i].ref, p->s[i].size);

		if (at >= 0) {
			fprintf(stderr, "# slot %u byte %ld: card 0x%02x, CPU reference 0x%02x\n",
				i, at, p->s[i].map[at], p->s[i].ref[at]);
			return false;
		}
	}
	return true;
}

/*
 * After pj_run(): the job ended with @status/@detail (fence 0 or
 * -ENOEXEC), the CPU reference agrees, the cycles are the reference's plus
 * the descriptor's (the record's seqno set, its timestamp = start +
 * cycles), and every slot equals the reference's.
 */
static inline bool pj_outcome(const struct pj *p, uint32_t status,
			      uint32_t detail)
{
	int fence = status == CSA_STATUS_OK ? 0 : -ENOEXEC;
	bool ok = true;

	if (p->fence != fence) {
		fprintf(stderr, "# fence error %d (%s), expected %d\n", p->fence,
			strerror(-p->fence), fence);
		ok = false;
	}
	if (p->cpl.status != status || p->cpl.detail != detail) {
		fprintf(stderr, "# card: status %s detail op %u operand %u reason %s (0x%x); expected %s op %u operand %u reason %s (0x%x)\n",
			csa_status_name(p->cpl.status),
			CSA_PROG_DETAIL_OP(p->cpl.detail),
			CSA_PROG_DETAIL_OPND(p->cpl.detail),
			pj_reason(p->cpl.detail), p->cpl.detail,
			csa_status_name(status), CSA_PROG_DETAIL_OP(detail),
			CSA_PROG_DETAIL_OPND(detail), pj_reason(detail), detail);
		ok = false;
	}
	if (p->ref.status != status || p->ref.detail != detail) {
		fprintf(stderr, "# CPU reference: status %s detail op %u operand %u reason %s (0x%x)\n",
			csa_status_name(p->ref.status),
			CSA_PROG_DETAIL_OP(p->ref.detail),
			CSA_PROG_DETAIL_OPND(p->ref.detail),
			pj_reason(p->ref.detail), p->ref.detail);
		ok = false;
	}
	if (!p->cpl.cycles || p->cpl.cycles != CSA_CYCLES_DESC + p->ref.cycles) {
		fprintf(stderr, "# card cycles %llu, cost model %u + %llu (lanes %llu)\n",
			(unsigned long long)p->cpl.cycles, CSA_CYCLES_DESC,
			(unsigned long long)p->ref.cycles,
			(unsigned long long)p->lanes);
		ok = false;
	}
	if (!p->cpl.seqno || p->cpl.timestamp < p->cpl.cycles) {
		fprintf(stderr, "# status record: seqno %llu, timestamp %llu before its %llu cycles\n",
			(unsigned long long)p->cpl.seqno,
			(unsigned long long)p->cpl.timestamp,
			(unsigned long long)p->cpl.cycles);
		ok = false;
	}
	if (!pj_slots_match(p))
		ok = false;
	return ok;
}

/* Copy @len bytes to (@slot, @off) through the mapping. */
static inline void pj_put(struct pj *p, uint32_t slot, uint64_t off,
			  const void *buf, uint64_t len)
{
	memcpy(p->s[slot].map + off, buf, len);
}

#endif /* CSA_PROG_UTIL_H */
