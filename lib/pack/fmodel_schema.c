// SPDX-License-Identifier: MIT
/*
 * The schema of the export's JSON (docs/model-format.md, "The export"):
 * which keys each object may have.  A key the packer does not know is an
 * error, never ignored: a misspelt optional key ("batch_norm") would
 * otherwise pack a different network without a word.  The message names
 * the object and the key, and the known key it most likely meant.
 */
#include <errno.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"
#include "pack_internal.h"

/* Edit distance (insert, delete, substitute; case-insensitive), capped. */
static unsigned int distance(const char *a, const char *b)
{
	unsigned int row[64], n = (unsigned int)strlen(b);

	if (n >= 64 || strlen(a) >= 64)
		return 64;
	for (unsigned int j = 0; j <= n; j++)
		row[j] = j;
	for (const char *p = a; *p; p++) {
		unsigned int diag = row[0];

		row[0]++;
		for (unsigned int j = 1; j <= n; j++) {
			unsigned int up = row[j];
			unsigned int sub = diag + ((*p | 0x20) != (b[j - 1] | 0x20));
			unsigned int best = up + 1 < row[j - 1] + 1 ? up + 1 : row[j - 1] + 1;

			row[j] = sub < best ? sub : best;
			diag = up;
		}
	}
	return row[n];
}

int csa_json_check_keys(void *object, const char *const *known, const char *where)
{
	json_t *obj = object;
	const char *key;
	json_t *value;

	json_object_foreach(obj, key, value) {
		const char *guess = NULL;
		unsigned int best = 64;
		bool ok = false;

		(void)value;
		for (const char *const *k = known; *k && !ok; k++) {
			unsigned int d = distance(key, *k);

			ok = !strcmp(key, *k);
			/* suggest only near misses: a typo or two per four letters */
			if (d < best && d <= 1 + strlen(*k) / 4)
				best = d, guess = *k;
		}
		if (ok)
			continue;
		if (guess)
			return csa_error(EINVAL, "%s: unknown key \"%s\" (did you mean \"%s\"?)",
					 where, key, guess);
		return csa_error(EINVAL, "%s: unknown key \"%s\"", where, key);
	}
	return 0;
}
