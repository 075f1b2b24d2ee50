// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Kernel trouble: the records /dev/kmsg got since fz_kmsg_open() that
 * report a WARN, BUG, oops, KASAN/UBSAN/lockdep/DMA-API/slab debugging
 * finding, a stall or an OOM (printed as TAP comments), and the
 * driver's debugfs count of live BOs (csa_bos) against its baseline.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

static const char *const trouble[] = {
	"WARNING:", "BUG:", "BUG ", "Oops", "KASAN", "UBSAN", "general protection",
	"lockdep", "possible recursive locking", "possible circular locking",
	"inconsistent lock state", "suspicious RCU usage", "DMA-API",
	"Poison overwritten", "Redzone", "Padding overwritten", "Freepointer",
	"Object already free", "kmemleak", "refcount_t", "list_add corruption",
	"list_del corruption", "Call Trace", "cut here", "blocked for more than",
	"detected stalls", "soft lockup", "hard LOCKUP", "Out of memory",
	"page allocation failure", "double free", "use-after-free",
};

int fz_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0 && lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool is_trouble(const char *text)
{
	for (size_t i = 0; i < sizeof(trouble) / sizeof(trouble[0]); i++)
		if (strstr(text, trouble[i]))
			return true;
	return false;
}

/*
 * Records since the last call: the number that show trouble, the first
 * copied to @first; every such record and a few after it (the splat's
 * body) are printed as "# kernel: ..." lines.
 */
int fz_kmsg_check(int kfd, char *first, size_t len)
{
	char rec[2048];
	int bad = 0, printed = 0, tail = 0;

	first[0] = 0;
	if (kfd < 0)
		return 0;
	for (;;) {
		ssize_t n = read(kfd, rec, sizeof(rec) - 1);
		char *text, *nl;

		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten: skip ahead */
		if (n <= 0)
			break;
		rec[n] = 0;
		text = strchr(rec, ';');
		if (!text)
			continue;
		text++;
		nl = strchr(text, '\n');
		if (nl)
			*nl = 0;
		if (is_trouble(text)) {
			/* the splat's own line rather than its "cut here" */
			if (!bad++ || strstr(first, "cut here"))
				snprintf(first, len, "%s", text);
			tail = 12;
		}
		if (tail > 0 && printed < 200) {
			printf("# kernel: %s\n", text);
			printed++;
			tail--;
		}
	}
	fflush(stdout);
	return bad;
}

int fz_bos_count(const struct fz_card *c, int64_t *count)
{
	long long n, b;
	FILE *f = fopen(c->bos, "re");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "count %lld bytes %lld", &n, &b) == 2;
	fclose(f);
	if (!ok)
		return -EINVAL;
	*count = n;
	return 0;
}

/*
 * Poll csa_bos until it is back to the card's baseline (jobs drop their
 * BOs a little after their fences signal; a hung job only after the
 * reset) or @seconds passed; returns the last count (-1: unreadable).
 */
int64_t fz_bos_settle(const struct fz_card *c, double seconds)
{
	int64_t end = fz_now_ns() + (int64_t)(seconds * 1e9), n = -1;
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	for (;;) {
		if (fz_bos_count(c, &n))
			return -1;
		if (n == c->baseline || fz_now_ns() >= end)
			return n;
		nanosleep(&ts, NULL);
	}
}
