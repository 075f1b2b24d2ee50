// SPDX-License-Identifier: MIT
/* The per-thread message behind csa_last_error(). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Thread-local so that concurrent users of different devices never mix up
 * each other's messages.
 */
static _Thread_local char last_error[256] = "no error";

int csa_error(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return -err;
}

int csa_error_prefix(int ret, const char *fmt, ...)
{
	char msg[sizeof(last_error)];
	va_list ap;
	int n;

	memcpy(msg, last_error, sizeof(msg));
	va_start(ap, fmt);
	n = vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(last_error))
		snprintf(last_error + n, sizeof(last_error) - n, ": %s", msg);
	return ret;
}

CSA_EXPORT const char *csa_last_error(void)
{
	return last_error;
}

CSA_EXPORT unsigned int csa_library_version(void)
{
	return CSA_VERSION;
}

int csa_ioctl_error(const struct csa_device *dev, int err, const char *what)
{
	if (err == EOPNOTSUPP)
		return csa_error(err, "%s: %s: %s (the driver lacks this uapi 1.1 feature)",
				 dev->render_node, what, strerror(err));
	return csa_error(err, "%s: %s: %s", dev->render_node, what,
			 strerror(err));
}
