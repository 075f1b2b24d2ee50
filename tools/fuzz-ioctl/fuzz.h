/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * csa-fuzz-ioctl: shared state of the ioctl fuzzer.  A run opens a few
 * files (render node fds) per card; worker threads (and forked children
 * that get SIGKILLed) pick operations at random, each an ioctl or a short
 * sequence of them, on objects the files hold: GEM handles, queue
 * contexts, syncobjs, mappings, dma-bufs.  The tables only remember what
 * exists (they may be stale: that is part of the fuzzing); the ioctls run
 * unlocked, racing each other.
 *
 * Memory the card may write is only ever a BO or the userptr arena: every
 * pointer the fuzzer hands the kernel is a buffer of its own that is big
 * enough for what the kernel may copy, or one of a few addresses that
 * cannot be written (fz_bad_ptr()).
 */
#ifndef FZ_FUZZ_H
#define FZ_FUZZ_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rng.h"
#include "stats.h"

#define FZ_MAX_CARDS	4
#define FZ_MAX_FILES	8
#define FZ_MAX_BOS	48
#define FZ_MAX_QUEUES	8
#define FZ_MAX_SYNCS	16
#define FZ_MAX_MAPS	32
#define FZ_MAX_DMABUFS	8
#define FZ_MAX_THREADS	16
#define FZ_SCRATCH	(64u << 10)	/* per-worker argument arrays */
#define FZ_ARENA	(4u << 20)	/* userptr arena */
#define FZ_PROGMEM	(256u << 10)

struct fz_config {
	uint64_t seed, nseeds;
	uint64_t iterations;	/* ops per thread and seed, 0: no limit */
	double duration;	/* seconds per seed, 0: no limit */
	unsigned int threads;
	unsigned int files_per_card;
	unsigned int hangs;	/* DEBUG_HANG jobs per seed at most */
	unsigned int reopen;	/* close and reopen a file once in this many ops */
	bool children;		/* fork children and SIGKILL them */
	bool huge_counts;	/* DRM core array counts up to 2^32 - 1 */
	double settle;		/* seconds to wait for csa_bos to settle */
};

struct fz_card {
	char node[32];		/* /dev/accel/accel<N> or /dev/dri/renderD<N> */
	char bos[80];		/* debugfs csa_bos */
	uint64_t num_queues, max_binds, max_bo_size, timeout_ms;
	int64_t baseline;	/* csa_bos count before the run */
};

/* struct fz_bo.flags */
#define FZ_BOF_USERPTR	(1u << 0)
#define FZ_BOF_RO	(1u << 1)	/* read-only userptr */
#define FZ_BOF_IMPORTED	(1u << 2)

struct fz_bo {
	uint32_t handle, flags;
	uint64_t size;
};

struct fz_sync {
	uint32_t handle;
	bool fenced;		/* probably has a fence (binary) */
	uint64_t point;		/* last timeline point added, 0: none */
};

/* One open of a render node and what the fuzzer made in it. */
struct fz_file {
	pthread_rwlock_t use;	/* read: an op uses fd; write: reopen */
	pthread_mutex_t lock;	/* the tables */
	int fd, card;
	struct fz_bo bo[FZ_MAX_BOS];
	unsigned int nbo;
	uint32_t queue[FZ_MAX_QUEUES];
	unsigned int nqueue;
	struct fz_sync sync[FZ_MAX_SYNCS];
	unsigned int nsync;
	uint32_t stale[8];	/* recently closed handles / ids */
	unsigned int nstale;
};

struct fz_map {
	void *p;
	size_t len;
};

struct fz_corpus;

struct fz_ctx {
	struct fz_config cfg;
	struct fz_card card[FZ_MAX_CARDS];
	unsigned int ncards;
	struct fz_file file[FZ_MAX_FILES];
	unsigned int nfiles;
	pthread_mutex_t maps_lock;
	struct fz_map maps[FZ_MAX_MAPS];
	unsigned int nmaps;
	pthread_mutex_t dmabuf_lock;
	int dmabuf[FZ_MAX_DMABUFS];
	unsigned int ndmabuf;
	uint8_t *arena;		/* FZ_ARENA bytes, see userptr_range() */
	uint8_t *hole;		/* a PROT_NONE page */
	struct fz_corpus *corpus;
	int hangs_left;		/* atomic */
	uint64_t deadline_ns;	/* of the seed, 0: none */
	volatile int stop;
	bool child;		/* this process is a forked child */
};

struct fz_worker {
	struct fz_ctx *ctx;
	struct fz_rng rng;
	int id;
	uint64_t ops;
	struct fz_trace *trace;
	uint8_t *scratch;	/* FZ_SCRATCH bytes of argument arrays */
	uint8_t *ro, *rw;	/* one page mapped read-only and read-write */
	uint8_t *progmem;	/* FZ_PROGMEM bytes: program jobs' userptr slots */
};

/* ---- pool.c: cards, files, tables ---- */
int fz_cards_find(struct fz_ctx *ctx);
int fz_ctx_init(struct fz_ctx *ctx);
int fz_files_open(struct fz_ctx *ctx);
void fz_files_close(struct fz_ctx *ctx, struct fz_rng *r);
struct fz_file *fz_file_get(struct fz_worker *w);
struct fz_file *fz_file_get_other(struct fz_worker *w, const struct fz_file *not);
void fz_file_put(struct fz_file *f);
void fz_file_reopen(struct fz_worker *w);
bool fz_table_add(struct fz_file *f, void *base, size_t stride, unsigned int *n,
		  unsigned int max, const void *entry);
void fz_table_forget(struct fz_file *f, void *base, size_t stride,
		     unsigned int *n, uint32_t id);
int fz_table_pick(struct fz_worker *w, struct fz_file *f, const void *base,
		  size_t stride, const unsigned int *n, void *out);
uint32_t fz_table_id(struct fz_worker *w, struct fz_file *f, const void *base,
		     size_t stride, const unsigned int *n);
/* The tables by name: f->bo (struct fz_bo), f->queue (u32), f->sync. */
#define FZ_TABLE(f, t)	(f)->t, sizeof((f)->t[0]), &(f)->n##t
#define fz_bo_add(f, b)		fz_table_add(f, FZ_TABLE(f, bo), FZ_MAX_BOS, b)
#define fz_bo_pick(w, f, out)	fz_table_pick(w, f, FZ_TABLE(f, bo), out)
#define fz_bo_forget(f, h)	fz_table_forget(f, FZ_TABLE(f, bo), h)
#define fz_handle(w, f)		fz_table_id(w, f, FZ_TABLE(f, bo))
#define fz_queue_pick(w, f)	fz_table_id(w, f, FZ_TABLE(f, queue))
#define fz_sync_pick(w, f, out)	fz_table_pick(w, f, FZ_TABLE(f, sync), out)
#define fz_sync_handle(w, f)	fz_table_id(w, f, FZ_TABLE(f, sync))
void fz_stale_add(struct fz_file *f, uint32_t v);
void fz_map_add(struct fz_ctx *ctx, void *p, size_t len);
int fz_dmabuf_add(struct fz_ctx *ctx, int fd);
uint64_t fz_bad_ptr(struct fz_worker *w);
void *fz_arg(struct fz_worker *w, const void *s, size_t len);
int64_t fz_now_ns(void);
int64_t fz_deadline(struct fz_worker *w);
int fz_worker_init(struct fz_worker *w, struct fz_ctx *ctx, int id,
		   uint64_t seed, uint64_t stream);
void fz_worker_fini(struct fz_worker *w);

/* ---- op_*.c: the operations ---- */
void fz_op_get_param(struct fz_worker *w);
void fz_op_version(struct fz_worker *w);
void fz_op_get_cap(struct fz_worker *w);
void fz_op_raw(struct fz_worker *w);
void fz_op_bo_create(struct fz_worker *w);
void fz_op_bo_info(struct fz_worker *w);
void fz_op_bo_userptr(struct fz_worker *w);
void fz_op_bo_wait(struct fz_worker *w);
void fz_op_gem_close(struct fz_worker *w);
void fz_op_mmap(struct fz_worker *w);
void fz_op_munmap(struct fz_worker *w);
void fz_op_prime_export(struct fz_worker *w);
void fz_op_prime_import(struct fz_worker *w);
void fz_op_queue_create(struct fz_worker *w);
void fz_op_queue_destroy(struct fz_worker *w);
void fz_op_syncobj_create(struct fz_worker *w);
void fz_op_syncobj_destroy(struct fz_worker *w);
void fz_op_syncobj_wait(struct fz_worker *w);
void fz_op_syncobj_signal(struct fz_worker *w);
void fz_op_syncobj_query(struct fz_worker *w);
void fz_op_syncobj_transfer(struct fz_worker *w);
void fz_op_syncobj_fd(struct fz_worker *w);
void fz_op_submit(struct fz_worker *w);
void fz_op_submit_program(struct fz_worker *w);

/* ---- submit.c helpers shared by the submit ops ---- */
uint32_t fz_opcode(struct fz_worker *w);
int fz_fence_record(struct fz_worker *w, int fd, uint32_t syncobj, int wait_ms);

/* ---- prog.c: valid job programs and their mutations ---- */
struct fz_corpus *fz_corpus_build(uint64_t seed);
void fz_corpus_free(struct fz_corpus *c);

/* ---- worker.c ---- */
void fz_worker_run(struct fz_worker *w);
void *fz_thread_main(void *arg);
void fz_ops_print(FILE *f);

/* ---- child.c ---- */
int fz_spawner_start(struct fz_ctx *ctx, uint64_t seed);
unsigned int fz_spawner_stop(int pid);

/* ---- kcheck.c ---- */
int fz_kmsg_open(void);
int fz_kmsg_check(int kfd, char *first, size_t len);
int fz_bos_count(const struct fz_card *c, int64_t *count);
int64_t fz_bos_settle(const struct fz_card *c, double seconds);

#endif /* FZ_FUZZ_H */
