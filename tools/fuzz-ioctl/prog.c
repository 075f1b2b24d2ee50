// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * CSA_OP_PROGRAM jobs: a corpus of valid job programs (the five-op network
 * of tests/host/test_dp_net.h: CONV2D, KWTA with boost, MAXPOOL2D, local
 * KWTA with sparse output, LINEAR over a sparse input; packed layers from
 * the tests' greedy packer), built per seed, put into fresh BOs with one
 * mutation or none: bytes of the program, a field of the header or of an
 * op, bytes of a packed layer or of an activation, a shorter or repeated
 * op list, a slot too small, a wrong access mode, a bad descriptor size
 * or offset, a bind missing.  The slots are mostly userptr objects over
 * the worker's own memory (cheap), else BOs written through mmap.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "csa_drm.h"
#include "fuzz.h"
#include "../../tests/host/test_dp_net.h"

#define FZ_NETS		3
#define MAX_OPS		CSA_PROG_MAX_OPS

struct fz_net {
	uint8_t *buf[S_NUM];
	uint64_t size[S_NUM];
	uint32_t access[S_NUM];
	struct ref_op ops[NET_OPS];
};

struct fz_corpus {
	struct fz_net net[FZ_NETS];
};

struct fz_corpus *fz_corpus_build(uint64_t seed)
{
	struct fz_corpus *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	for (unsigned int i = 0; i < FZ_NETS; i++) {
		struct fz_net *fn = &c->net[i];
		struct net n;

		net_build(&n, seed * 31 + i);
		for (uint32_t s = 0; s < S_NUM; s++) {
			fn->size[s] = n.m.s[s].size;
			fn->access[s] = n.m.s[s].access;
			fn->buf[s] = malloc(fn->size[s]);
			if (!fn->buf[s]) {
				net_free(&n);
				fz_corpus_free(c);
				return NULL;
			}
			/* a valid sparse activation before op 3 writes one */
			memcpy(fn->buf[s], s == S_SP ? n.want[s] : n.m.s[s].buf,
			       fn->size[s]);
		}
		memcpy(fn->ops, n.ops, sizeof(fn->ops));
		net_free(&n);
	}
	return c;
}

void fz_corpus_free(struct fz_corpus *c)
{
	if (!c)
		return;
	for (unsigned int i = 0; i < FZ_NETS; i++)
		for (uint32_t s = 0; s < S_NUM; s++)
			free(c->net[i].buf[s]);
	free(c);
}

/* Header and op fields: byte offset and width. */
static const struct { uint8_t off, len; } hdr_fields[] = {
	{ 0, 4 }, { 4, 2 }, { 6, 2 }, { 8, 4 }, { 12, 2 }, { 14, 2 }, { 16, 4 },
	{ 28, 4 },
};
static const struct { uint8_t off, len; } op_fields[] = {
	{ 0, 2 }, { 2, 2 }, { 4, 4 }, { 8, 8 }, { 16, 8 }, { 24, 8 }, { 32, 4 },
	{ 36, 4 }, { 40, 4 }, { 44, 4 }, { 48, 4 }, { 52, 4 }, { 56, 1 },
	{ 57, 1 }, { 58, 1 }, { 59, 1 }, { 60, 1 }, { 61, 1 }, { 62, 2 },
	{ 64, 4 }, { 68, 4 }, { 76, 4 },
};
#define NFIELDS(a)	(sizeof(a) / sizeof((a)[0]))

static void flip_bytes(struct fz_worker *w, uint8_t *p, uint64_t len)
{
	uint32_t n = 1 + fz_below(&w->rng, 4);

	for (uint32_t i = 0; i < n && len; i++)
		p[fz_below(&w->rng, (uint32_t)len)] = (uint8_t)fz_rand(&w->rng);
}

/* A field value: near the old one, or interesting; operands keep a slot. */
static uint64_t field_value(struct fz_worker *w, uint64_t old, unsigned int len)
{
	if (len == 8 && fz_pct(&w->rng, 60)) {
		uint32_t slot = fz_below(&w->rng, S_NUM + 2);
		uint64_t off = fz_pct(&w->rng, 50) ? CSA_OPERAND_OFF(old) :
			       fz_interesting(&w->rng, fz_pct(&w->rng, 70) ? 12 : 48);

		return CSA_OPERAND(fz_pct(&w->rng, 80) ? slot :
				   (uint32_t)fz_interesting(&w->rng, 16), off);
	}
	switch (fz_below(&w->rng, 3)) {
	case 0: return old + 1;
	case 1: return old - 1;
	default: return fz_interesting(&w->rng, len * 8);
	}
}

enum mutation {
	M_NONE, M_PROG_BYTES, M_HDR_FIELD, M_OP_FIELD, M_LAYER_BYTES,
	M_DATA_BYTES, M_SUBSET, M_REPEAT, M_SHRINK, M_ACCESS, M_CMD, M_BINDS,
	M_COUNT
};

struct job {
	uint8_t *buf[S_NUM];
	uint64_t size[S_NUM];
	uint32_t access[S_NUM];
	uint32_t nslots;
	struct drm_csa_cmd cmd;
};

/* The program slot: @n ops of @ops (or the network's, repeated). */
static int write_prog(struct job *j, const struct ref_op *ops, uint32_t n)
{
	free(j->buf[S_PROG]);
	j->size[S_PROG] = CSA_PROG_SIZE(n);
	j->buf[S_PROG] = malloc(j->size[S_PROG]);
	if (!j->buf[S_PROG])
		return -ENOMEM;
	ref_prog_write(j->buf[S_PROG], ops, n);
	j->cmd.size = j->size[S_PROG];
	return 0;
}

static int job_make(struct fz_worker *w, struct job *j, enum mutation m)
{
	struct fz_corpus *c = w->ctx->corpus;
	const struct fz_net *n = &c->net[fz_below(&w->rng, FZ_NETS)];
	struct ref_op ops[MAX_OPS + NET_OPS];
	uint32_t nops = NET_OPS, s;

	memset(j, 0, sizeof(*j));
	j->nslots = S_NUM;
	for (s = 0; s < S_NUM; s++) {
		j->size[s] = n->size[s];
		j->access[s] = n->access[s];
		if (s == S_PROG)
			continue;
		j->buf[s] = malloc(n->size[s]);
		if (!j->buf[s])
			return -ENOMEM;
		memcpy(j->buf[s], n->buf[s], n->size[s]);
	}
	memcpy(ops, n->ops, sizeof(n->ops));
	if (m == M_SUBSET) {	/* ops [a, b) */
		uint32_t a = fz_below(&w->rng, NET_OPS);

		nops = 1 + fz_below(&w->rng, NET_OPS - a);
		memmove(ops, ops + a, nops * sizeof(ops[0]));
	} else if (m == M_REPEAT) {
		nops = NET_OPS * (1 + fz_below(&w->rng, MAX_OPS / NET_OPS + 1));
		if (nops > MAX_OPS && fz_pct(&w->rng, 70))
			nops = MAX_OPS;
		for (uint32_t i = NET_OPS; i < nops; i++)
			ops[i] = n->ops[i % NET_OPS];
	}
	j->cmd = (struct drm_csa_cmd){
		.opcode = CSA_OP_PROGRAM, .flags = DRM_CSA_CMD_STATUS,
		.dst_slot = S_PROG, .status_slot = S_NUM,
	};
	if (write_prog(j, ops, nops))
		return -ENOMEM;
	switch (m) {
	case M_PROG_BYTES:
		flip_bytes(w, j->buf[S_PROG], j->size[S_PROG]);
		break;
	case M_HDR_FIELD: {
		uint32_t f = fz_below(&w->rng, NFIELDS(hdr_fields));
		uint8_t *p = j->buf[S_PROG] + hdr_fields[f].off;

		wle(p, field_value(w, rle(p, hdr_fields[f].len), hdr_fields[f].len),
		    hdr_fields[f].len);
		break;
	}
	case M_OP_FIELD: {
		uint32_t f = fz_below(&w->rng, NFIELDS(op_fields));
		uint8_t *p = j->buf[S_PROG] + CSA_PROG_HDR_SIZE +
			     CSA_PROG_OP_SIZE * fz_below(&w->rng, nops) +
			     op_fields[f].off;

		wle(p, field_value(w, rle(p, op_fields[f].len), op_fields[f].len),
		    op_fields[f].len);
		break;
	}
	case M_LAYER_BYTES:
		s = fz_pct(&w->rng, 50) ? S_CONV : S_LIN;
		if (fz_pct(&w->rng, 50))	/* the header */
			flip_bytes(w, j->buf[s], 64);
		else
			flip_bytes(w, j->buf[s], j->size[s]);
		break;
	case M_DATA_BYTES:
		s = fz_pct(&w->rng, 50) ? S_SP : fz_pct(&w->rng, 50) ? S_X : S_BOOST;
		flip_bytes(w, j->buf[s], j->size[s] < 16 || fz_pct(&w->rng, 50) ?
			   j->size[s] : 16);
		break;
	case M_SHRINK:
		s = fz_below(&w->rng, S_NUM);
		j->size[s] = fz_below(&w->rng, (uint32_t)j->size[s]);
		break;
	case M_ACCESS:
		s = fz_below(&w->rng, S_NUM);
		j->access[s] = 1 + fz_below(&w->rng, 3);
		break;
	case M_CMD:
		switch (fz_below(&w->rng, 4)) {
		case 0: j->cmd.size = field_value(w, j->cmd.size, 8) & 0xffffffff; break;
		case 1: j->cmd.dst_offset = fz_below(&w->rng, 64); break;
		case 2: j->cmd.dst_slot = fz_below(&w->rng, S_NUM + 2); break;
		default: j->cmd.status_slot = fz_below(&w->rng, S_NUM + 2); break;
		}
		break;
	case M_BINDS:
		j->nslots = fz_below(&w->rng, S_NUM);
		j->cmd.status_slot = j->nslots;
		break;
	default:
		break;
	}
	return 0;
}

static void job_free(struct job *j)
{
	for (uint32_t s = 0; s < S_NUM; s++)
		free(j->buf[s]);
}

/* A BO of at least @size bytes holding @data (size 0: an empty page). */
static int bo_with(struct fz_worker *w, struct fz_file *f, const void *data,
		   uint64_t size, uint32_t *handle)
{
	struct drm_csa_bo_create c = { .size = size ? size : 1 };
	struct drm_csa_bo_info i = { 0 };
	void *p;
	int ret;

	fz_note("%llu bytes for a program job", (unsigned long long)c.size);
	ret = fz_ioctl(FZ_BO_CREATE, f->fd, DRM_IOCTL_CSA_BO_CREATE, &c);
	if (ret)
		return ret;
	*handle = i.handle = c.handle;
	fz_note("handle %u", c.handle);
	ret = fz_ioctl(FZ_BO_INFO, f->fd, DRM_IOCTL_CSA_BO_INFO, &i);
	if (ret)
		return ret;
	p = mmap(NULL, c.size, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd,
		 (off_t)i.mmap_offset);
	fz_note("handle %u, %llu bytes", c.handle, (unsigned long long)c.size);
	fz_record(FZ_MMAP, p == MAP_FAILED ? -errno : 0);
	if (p == MAP_FAILED)
		return 0;	/* the job runs on a zeroed BO */
	if (data && size)
		memcpy(p, data, size);
	if (fz_pct(&w->rng, 10))
		fz_map_add(w->ctx, p, c.size);
	else
		munmap(p, c.size);
	return 0;
}

/*
 * The same as userptr memory of the worker's own (a region per slot that
 * nothing else uses, so the card writes only there), READ_ONLY unless
 * the slot is written.  Cheaper than a BO and its mapping.
 */
static int userptr_with(struct fz_worker *w, struct fz_file *f, uint32_t slot,
			const void *data, uint64_t size, uint32_t access,
			uint32_t *handle)
{
	uint64_t room = FZ_PROGMEM / (S_NUM + 1);
	struct drm_csa_bo_userptr u = {
		.user_ptr = (uint64_t)(uintptr_t)(w->progmem + slot * room),
		.size = size ? (size + 4095) & ~4095ull : 4096,
		.flags = access & DRM_CSA_ACCESS_WRITE ? 0 : DRM_CSA_USERPTR_READ_ONLY,
	};
	int ret;

	if (u.size > room)
		return -E2BIG;
	if (data && size)
		memcpy(w->progmem + slot * room, data, size);
	fz_note("slot %u, %llu bytes for a program job", slot,
		(unsigned long long)u.size);
	ret = fz_ioctl(FZ_BO_USERPTR, f->fd, DRM_IOCTL_CSA_BO_USERPTR, &u);
	if (!ret)
		*handle = u.handle;
	return ret;
}

void fz_op_submit_program(struct fz_worker *w)
{
	struct fz_file *f = fz_file_get(w);
	struct drm_csa_bind b[S_NUM + 1];
	struct drm_csa_sync out = { 0 };
	struct drm_syncobj_create sc = { 0 };
	struct drm_syncobj_destroy sd = { 0 };
	struct drm_csa_submit sub = { 0 };
	enum mutation m = fz_pct(&w->rng, 35) ? M_NONE :
			  (enum mutation)(1 + fz_below(&w->rng, M_COUNT - 1));
	struct job j;
	uint32_t s;
	bool user = fz_pct(&w->rng, 75), keep = !user && fz_pct(&w->rng, 25);

	memset(b, 0, sizeof(b));
	if (job_make(w, &j, m))
		goto out;
	for (s = 0; s < j.nslots; s++) {
		int ret = user ? userptr_with(w, f, s, j.buf[s], j.size[s],
					      j.access[s], &b[s].handle) :
			  bo_with(w, f, j.buf[s], j.size[s], &b[s].handle);

		if (ret)
			goto close;
		b[s].access = j.access[s];
	}
	if (user ? userptr_with(w, f, s, NULL, CSA_CPL_SIZE, DRM_CSA_ACCESS_WRITE,
				&b[s].handle) :
	    bo_with(w, f, NULL, CSA_CPL_SIZE, &b[s].handle))
		goto close;
	b[s].access = DRM_CSA_ACCESS_WRITE;
	if (!fz_ioctl(FZ_SYNCOBJ_CREATE, f->fd, DRM_IOCTL_SYNCOBJ_CREATE, &sc))
		out.handle = sc.handle;
	sub = (struct drm_csa_submit){
		.queue_id = fz_queue_pick(w, f),
		.binds = (uint64_t)(uintptr_t)b, .num_binds = j.nslots + 1,
		.out_syncs = (uint64_t)(uintptr_t)&out, .num_out_syncs = !!out.handle,
		.cmd = j.cmd,
	};
	fz_note("queue %u program mutation %d, %u binds, size %llu", sub.queue_id,
		m, sub.num_binds, (unsigned long long)sub.cmd.size);
	if (!fz_ioctl(FZ_SUBMIT, f->fd, DRM_IOCTL_CSA_SUBMIT, &sub) && out.handle &&
	    fz_pct(&w->rng, 30))
		fz_fence_record(w, f->fd, out.handle, 50);
	if (out.handle) {
		sd.handle = out.handle;
		fz_note("handle %u", sd.handle);
		fz_ioctl(FZ_SYNCOBJ_DESTROY, f->fd, DRM_IOCTL_SYNCOBJ_DESTROY, &sd);
	}
close:
	/* the job holds its BOs: close the handles now, or keep them */
	for (uint32_t i = 0; i <= j.nslots && i <= S_NUM; i++) {
		struct drm_gem_close g = { .handle = b[i].handle };

		if (!g.handle)
			break;
		if (keep && i < j.nslots) {
			fz_bo_add(f, &((struct fz_bo){ g.handle, 0, j.size[i] ?
				  (j.size[i] + 4095) & ~4095ull : 4096 }));
			continue;
		}
		fz_note("handle %u", g.handle);
		fz_ioctl(FZ_GEM_CLOSE, f->fd, DRM_IOCTL_GEM_CLOSE, &g);
	}
	job_free(&j);
out:
	fz_file_put(f);
}
