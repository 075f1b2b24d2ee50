// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Processes killed mid-job.  The spawner is forked before the worker
 * threads exist (so it may fork safely): it forks children one after
 * another, each opening its own files and running the worker loop with
 * its own random stream, and SIGKILLs each after 5-300 ms, until it gets
 * SIGTERM (or its parent dies).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "fuzz.h"

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

static void child_main(struct fz_ctx *ctx, uint64_t seed, unsigned int k)
{
	struct fz_worker w;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	ctx->child = true;
	ctx->hangs_left = 0;	/* hangs belong to the threads */
	if (fz_files_open(ctx) || fz_worker_init(&w, ctx, 1000 + (int)k, seed,
						 2000 + k))
		_exit(1);
	fz_worker_run(&w);
	_exit(0);	/* exit with whatever is in flight */
}

static int spawner(struct fz_ctx *ctx, uint64_t seed)
{
	struct sigaction sa;
	struct fz_rng r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* the parent's files are the parent's: children open their own */
	for (unsigned int i = 0; i < ctx->nfiles; i++)
		close(ctx->file[i].fd);
	fz_rng_init(&r, seed, 1000);
	for (unsigned int k = 0; !stopping; k++) {
		uint32_t ms = 5 + fz_below(&r, 296);
		struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
		pid_t c = fork();
		int st;

		if (c < 0)
			return 1;
		if (!c)
			child_main(ctx, seed, k);
		nanosleep(&ts, NULL);
		kill(c, SIGKILL);
		if (waitpid(c, &st, 0) == c && WIFSIGNALED(st) &&
		    WTERMSIG(st) == SIGKILL)
			fz_record(FZ_KILL, 0);
	}
	return 0;
}

int fz_spawner_start(struct fz_ctx *ctx, uint64_t seed)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid)
		_exit(spawner(ctx, seed));
	return pid;
}

/* Stop the spawner; its exit status (0: fine). */
unsigned int fz_spawner_stop(int pid)
{
	int st;

	if (pid <= 0)
		return 0;
	kill(pid, SIGTERM);
	if (waitpid(pid, &st, 0) != pid)
		return 1;
	return WIFEXITED(st) ? (unsigned int)WEXITSTATUS(st) : 1;
}
