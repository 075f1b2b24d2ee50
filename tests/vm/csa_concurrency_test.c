// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Several processes, each with several threads, submit to every hardware
 * queue at once with mixed priorities; every job's result is checked.
 * Threads of one process also share one queue context (the driver must
 * keep each context's jobs in submission order).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "csa_drm.h"
#include "csa_hw.h"
#include "csa_vm.h"

#define NPROC		3
#define NTHREAD		3
#define ITERS		12
#define SIZE		(64 * 1024)
#define WAIT_MS		60000

struct worker {
	int fd;
	uint32_t queue;		/* 0: create an own context */
	uint32_t hw_queue;
	uint32_t seed;
	int error;		/* 0, or the line that failed */
};

#define FAIL_IF(cond) do { if (cond) { w->error = __LINE__; return NULL; } } while (0)

/* FILL a with a value, COPY a -> b, check b; ITERS times. */
static void *worker(void *arg)
{
	struct worker *w = arg;
	struct drm_csa_bind binds[2];
	uint32_t bo[2], so, q = w->queue, *pb;

	if (!q)
		FAIL_IF(csa_vm_queue_create(w->fd, w->hw_queue, w->seed % 3, &q));
	FAIL_IF(csa_vm_syncobj_create(w->fd, &so));
	for (int i = 0; i < 2; i++) {
		FAIL_IF(csa_vm_bo_create(w->fd, SIZE, &bo[i]));
		binds[i].handle = bo[i];
		binds[i].access = DRM_CSA_ACCESS_READ | DRM_CSA_ACCESS_WRITE;
	}
	pb = csa_vm_bo_map(w->fd, bo[1], SIZE);
	FAIL_IF(!pb);

	for (int it = 0; it < ITERS; it++) {
		uint32_t value = w->seed * 1000 + it;
		struct drm_csa_cmd fill = {
			.opcode = CSA_OP_FILL,
			.size = SIZE,
			.value = value,
		};
		struct drm_csa_cmd copy = {
			.opcode = CSA_OP_COPY,
			.dst_slot = 1,
			.size = SIZE,
		};

		FAIL_IF(csa_vm_job(w->fd, q, &fill, binds, 2, 0));
		/* implicit fences order the copy after the fill */
		FAIL_IF(csa_vm_job(w->fd, q, &copy, binds, 2, so));
		FAIL_IF(csa_vm_job_result(w->fd, so, WAIT_MS));
		for (int k = 0; k < SIZE / 4; k += 97)
			FAIL_IF(pb[k] != value);
		FAIL_IF(pb[SIZE / 4 - 1] != value);
	}
	return NULL;
}

/* One process: NTHREAD workers, the last two sharing one context. */
static int process(uint32_t seed)
{
	struct worker w[NTHREAD];
	pthread_t t[NTHREAD];
	uint64_t nq;
	uint32_t shared;
	int fd = csa_vm_open_first(NULL), err = 0;

	if (fd < 0 || csa_vm_get_param(fd, DRM_CSA_PARAM_NUM_QUEUES, 0, 0, &nq))
		return 1;
	if (csa_vm_queue_create(fd, seed % nq, DRM_CSA_PRIORITY_NORMAL, &shared))
		return 2;
	for (int i = 0; i < NTHREAD; i++) {
		w[i] = (struct worker){
			.fd = fd,
			.queue = i ? shared : 0,
			.hw_queue = (seed + i) % nq,
			.seed = seed * 10 + i,
		};
		if (pthread_create(&t[i], NULL, worker, &w[i]))
			return 3;
	}
	for (int i = 0; i < NTHREAD; i++) {
		pthread_join(t[i], NULL);
		if (w[i].error && !err)
			err = w[i].error;
	}
	close(fd);
	return err ? 10 + (err % 200) : 0;
}

FIXTURE(conc) {
	int unused;
};

FIXTURE_SETUP(conc)
{
}

FIXTURE_TEARDOWN(conc)
{
}

TEST_F_TIMEOUT(conc, processes_and_threads_on_all_queues, 240)
{
	pid_t pid[NPROC];
	int status;

	for (int p = 0; p < NPROC; p++) {
		pid[p] = fork();
		ASSERT_LE(0, pid[p]);
		if (!pid[p])
			_exit(process(p + 1));
	}
	for (int p = 0; p < NPROC; p++) {
		ASSERT_EQ(pid[p], waitpid(pid[p], &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("process %d failed (code %d)",
							 p, WEXITSTATUS(status));
	}
}

/* Many threads hammering one context: its jobs complete in order. */
TEST_F_TIMEOUT(conc, threads_share_one_context, 240)
{
	struct worker w[4];
	pthread_t t[4];
	uint32_t q;
	int fd = csa_vm_open_first(NULL);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, csa_vm_queue_create(fd, 0, DRM_CSA_PRIORITY_HIGH, &q));
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ .fd = fd, .queue = q, .seed = 50 + i };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, worker, &w[i]));
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, w[i].error) TH_LOG("thread %d failed at line %d", i, w[i].error);
	}
	close(fd);
}

struct racer {
	int fd;
	volatile uint32_t *queue;
	volatile int *stop;
	int submitted, refused, other;
};

static void *submit_loop(void *arg)
{
	struct racer *r = arg;
	struct drm_csa_cmd nop = { .opcode = CSA_OP_NOP };

	while (!*r->stop) {
		int ret = csa_vm_job(r->fd, *r->queue, &nop, NULL, 0, 0);

		if (!ret)
			r->submitted++;
		else if (ret == -ENOENT || ret == -EBUSY)
			r->refused++;	/* destroyed, or 256 jobs queued already */
		else
			r->other = ret;
	}
	return NULL;
}

/*
 * QUEUE_DESTROY races SUBMITs on the same context: 0, -ENOENT, or -EBUSY
 * (the context's 256-job cap), no crash.
 */
TEST_F_TIMEOUT(conc, destroy_races_submit, 120)
{
	volatile uint32_t queue = 0;
	volatile int stop = 0;
	struct racer r[3];
	pthread_t t[3];
	int fd = csa_vm_open_first(NULL);

	ASSERT_LE(0, fd);
	for (int i = 0; i < 3; i++) {
		r[i] = (struct racer){ .fd = fd, .queue = &queue, .stop = &stop };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, submit_loop, &r[i]));
	}
	for (int round = 0; round < 200; round++) {
		uint32_t q;

		ASSERT_EQ(0, csa_vm_queue_create(fd, round % 2, round % 3, &q));
		queue = q;
		usleep(500);
		ASSERT_EQ(0, csa_vm_queue_destroy(fd, q));
	}
	stop = 1;
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, r[i].other) TH_LOG("thread %d: unexpected %s", i,
						strerror(-r[i].other));
		EXPECT_LT(0, r[i].submitted + r[i].refused);
	}
	close(fd);
}

/*
 * Contexts destroyed right after a SUBMIT, from two threads at once, on
 * every hardware queue.  The job still runs to completion (destroying a
 * context flushes its queued jobs, it does not drop them), and the
 * scheduler thread, which may still be inside that job's run_job when the
 * context goes, must never touch the freed context: this used to oops in
 * complete() from drm_sched_main about once in a few thousand rounds.
 */
#define CHURN_ROUNDS	1500

struct churner {
	int fd;
	int id;
	int rounds;
	int error;	/* 0, or the line that failed */
	int result;	/* the failing call's return value */
};

#define CHURN_FAIL_IF(call) do {				\
	int _r = (call);					\
	if (_r) {						\
		c->error = __LINE__;				\
		c->result = _r;					\
		return NULL;					\
	}							\
} while (0)

static void *churn_loop(void *arg)
{
	struct churner *c = arg;
	struct drm_csa_cmd nop = { .opcode = CSA_OP_NOP };
	uint32_t so, q;

	CHURN_FAIL_IF(csa_vm_syncobj_create(c->fd, &so));
	for (c->rounds = 0; c->rounds < CHURN_ROUNDS; c->rounds++) {
		uint32_t hw = (c->rounds + c->id) % 3;

		CHURN_FAIL_IF(csa_vm_queue_create(c->fd, hw, c->rounds % 3, &q));
		CHURN_FAIL_IF(csa_vm_job(c->fd, q, &nop, NULL, 0, so));
		CHURN_FAIL_IF(csa_vm_queue_destroy(c->fd, q));
		CHURN_FAIL_IF(csa_vm_job_result(c->fd, so, WAIT_MS));
	}
	csa_vm_syncobj_destroy(c->fd, so);
	return NULL;
}

TEST_F_TIMEOUT(conc, destroy_right_after_submit, 300)
{
	struct churner c[2];
	pthread_t t[2];
	int fd = csa_vm_open_first(NULL);

	ASSERT_LE(0, fd);
	for (int i = 0; i < 2; i++) {
		c[i] = (struct churner){ .fd = fd, .id = i };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, churn_loop, &c[i]));
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, c[i].error)
			TH_LOG("thread %d, round %d: line %d returned %d (%s)", i,
			       c[i].rounds, c[i].error, c[i].result,
			       strerror(-c[i].result));
	}
	close(fd);
}

TEST_HARNESS_MAIN
