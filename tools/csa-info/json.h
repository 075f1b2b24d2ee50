/* SPDX-License-Identifier: MIT */
/* A minimal streaming JSON writer: enough for csa-info's nested objects. */
#ifndef CSA_INFO_JSON_H
#define CSA_INFO_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 8

struct json {
	FILE *out;
	int depth;
	bool has_members[JSON_MAX_DEPTH];	/* a comma is due before the next */
};

/* Writes @s as a quoted JSON string; invalid UTF-8 becomes U+FFFD. */
void json_write_string(FILE *out, const char *s);

void json_init(struct json *j, FILE *out);
/* @key names the member inside an object; NULL at top level or in arrays. */
void json_begin_object(struct json *j, const char *key);
void json_end_object(struct json *j);
void json_begin_array(struct json *j, const char *key);
void json_end_array(struct json *j);
void json_string(struct json *j, const char *key, const char *value);
void json_uint(struct json *j, const char *key, uint64_t value);
void json_int(struct json *j, const char *key, int64_t value);
/* %.6g; NaN and infinities become null */
void json_double(struct json *j, const char *key, double value);

#endif /* CSA_INFO_JSON_H */
