// SPDX-License-Identifier: MIT
/* csa-info's JSON writer: string escaping and document structure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

#include "json.h"

/* Runs the writer on a memory stream and returns what it wrote. */
static char *escaped(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	json_write_string(f, s);
	fclose(f);
	return buf;
}

#define EXPECT_ESCAPED(want, in) do {			\
	char *got = escaped(in);			\
	ASSERT_NE(NULL, got);				\
	EXPECT_STREQ(want, got);			\
	free(got);					\
} while (0)

TEST(plain)
{
	EXPECT_ESCAPED("\"\"", "");
	EXPECT_ESCAPED("\"/dev/dri/renderD128\"", "/dev/dri/renderD128");
}

TEST(quote_and_backslash)
{
	EXPECT_ESCAPED("\"a\\\"b\\\\c\"", "a\"b\\c");
}

TEST(control_characters)
{
	EXPECT_ESCAPED("\"\\n\\r\\t\\b\\f\"", "\n\r\t\b\f");
	EXPECT_ESCAPED("\"\\u0001\\u001f\"", "\x01\x1f");
	EXPECT_ESCAPED("\"\x7f\"", "\x7f");	/* DEL needs no escape */
}

TEST(valid_utf8_passes_through)
{
	EXPECT_ESCAPED("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
		       "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

TEST(invalid_utf8_is_replaced)
{
	EXPECT_ESCAPED("\"a\\ufffdb\"", "a\xff" "b");
	EXPECT_ESCAPED("\"\\ufffd\"", "\xc3");			/* truncated */
	EXPECT_ESCAPED("\"\\ufffd\\ufffd\"", "\xc0\xaf");	/* overlong '/' */
	EXPECT_ESCAPED("\"\\ufffd\\ufffd\\ufffd\"", "\xed\xa0\x80"); /* surrogate */
	EXPECT_ESCAPED("\"\\ufffd\\ufffd\\ufffd\\ufffd\"", "\xf4\x90\x80\x80");
}

TEST(document_structure)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	ASSERT_NE(NULL, f);
	json_init(&j, f);
	json_begin_object(&j, NULL);
	json_string(&j, "s", "x");
	json_begin_array(&j, "empty");
	json_end_array(&j);
	json_begin_array(&j, "list");
	json_begin_object(&j, NULL);
	json_int(&j, "i", -1);
	json_uint(&j, "u", 18446744073709551615ull);
	json_end_object(&j);
	json_end_array(&j);
	json_end_object(&j);
	fclose(f);

	EXPECT_STREQ("{\n"
		     "  \"s\": \"x\",\n"
		     "  \"empty\": [],\n"
		     "  \"list\": [\n"
		     "    {\n"
		     "      \"i\": -1,\n"
		     "      \"u\": 18446744073709551615\n"
		     "    }\n"
		     "  ]\n"
		     "}\n", buf);
	free(buf);
}

TEST(doubles_and_non_finite_values)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	ASSERT_NE(NULL, f);
	json_init(&j, f);
	json_begin_array(&j, NULL);
	json_double(&j, NULL, 1.5);
	json_double(&j, NULL, 1234567.0);
	json_double(&j, NULL, 0.0 / 0.0);
	json_double(&j, NULL, 1.0 / 0.0);
	json_end_array(&j);
	fclose(f);

	/* JSON has no NaN or infinity: null instead */
	EXPECT_STREQ("[\n  1.5,\n  1.23457e+06,\n  null,\n  null\n]\n", buf);
	free(buf);
}

TEST_HARNESS_MAIN
