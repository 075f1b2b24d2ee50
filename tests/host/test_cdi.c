// SPDX-License-Identifier: MIT
/*
 * csa-info --cdi's spec writer (tools/csa-info/cdi.c) on cards in a fake
 * sysfs tree: node numbers and sysfs directories found, a spec that the
 * CDI schema and the checks of the CDI Go parser accept (cdi_validate.py),
 * and every way it can be wrong refused: kind, missing sysfs, a node that
 * is not a character device, a broken spec given to the validator.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "csa-info.h"

FIXTURE(cdi) {
	char root[64];
	char spec[PATH_MAX];
};

FIXTURE_SETUP(cdi)
{
	char path[PATH_MAX];

	snprintf(self->root, sizeof(self->root), "/tmp/csa-cdi-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->root));
	/* the PCI bus' link to the device's own directory, as in /sys */
	snprintf(path, sizeof(path), "%s/devices/pci0000:00/0000:00:0", self->root);
	snprintf(self->spec, sizeof(self->spec), "mkdir -p %.100s4.0 %.100s5.0 %s/bus/pci/devices && "
		 "ln -s ../../../devices/pci0000:00/0000:00:04.0 %s/bus/pci/devices/0000:00:04.0 && "
		 "ln -s ../../../devices/pci0000:00/0000:00:05.0 %s/bus/pci/devices/0000:00:05.0",
		 path, path, self->root, self->root, self->root);
	ASSERT_EQ(0, system(self->spec));
	snprintf(self->spec, sizeof(self->spec), "%s/spec.json", self->root);
}

FIXTURE_TEARDOWN(cdi)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->root);
	EXPECT_EQ(0, system(cmd));
}

/* Runs the validator on @path; its exit status, output in @out. */
static int validate(const char *path, char *out, size_t len)
{
	char cmd[PATH_MAX + 256];
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s %s %s 2>&1", CDI_VALIDATE,
		 CDI_SCHEMA_DIR, path);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(out, 1, len - 1, p);
	out[n] = 0;
	return WEXITSTATUS(pclose(p));
}

static int have_validator(void)
{
	return !access(CDI_SCHEMA_DIR "/schema.json", R_OK) &&
	       !system("/usr/bin/python3 -c 'import jsonschema' 2>/dev/null");
}

TEST_F(cdi, card_node_and_sysfs_are_found)
{
	struct cdi_card c;
	char want[PATH_MAX];

	/* /dev/null stands in for the render node: a character device */
	ASSERT_EQ(0, cdi_card_from(&c, 0, "/dev/null", "0000:00:04.0", self->root));
	EXPECT_EQ(1u, c.major);
	EXPECT_EQ(3u, c.minor);
	snprintf(want, sizeof(want), "%s/devices/pci0000:00/0000:00:04.0", self->root);
	EXPECT_STREQ(want, c.sysfs) TH_LOG("the link must be resolved");
}

TEST_F(cdi, bad_cards_are_refused)
{
	struct cdi_card c;

	EXPECT_EQ(-ENOENT, cdi_card_from(&c, 0, "/dev/null", "0000:00:06.0", self->root));
	EXPECT_EQ(-ENOTTY, cdi_card_from(&c, 0, "/etc/passwd", "0000:00:04.0", self->root));
	EXPECT_EQ(-ENOENT, cdi_card_from(&c, 0, "/dev/no-such-node", "0000:00:04.0", self->root));
}

TEST(kinds)
{
	static const char *const good[] = { CSA_CDI_KIND, "example.com/csa", "a1/b-2", "V_x.y/c_d" };
	static const char *const bad[] = { "csa", "/card", "vendor/", "9vendor/card", "vendor./card",
		"vendor/card.x", "ven dor/card", "vendor/-card", "vendor/card/x" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		EXPECT_TRUE(cdi_kind_valid(good[i])) TH_LOG("%s refused", good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_FALSE(cdi_kind_valid(bad[i])) TH_LOG("%s accepted", bad[i]);
	}
}

TEST_F(cdi, spec_is_valid_cdi)
{
	const char *libs[] = { "/usr/lib/x86_64-linux-gnu/libcsa.so.1.1.0",
			       "/usr/lib/x86_64-linux-gnu/libcsa.so.1" };
	struct cdi_card c[2];
	char out[4096];
	FILE *f;

	if (!have_validator())
		SKIP(return, "no CDI schema or python3-jsonschema");
	ASSERT_EQ(0, cdi_card_from(&c[0], 0, "/dev/null", "0000:00:04.0", self->root));
	ASSERT_EQ(0, cdi_card_from(&c[1], 1, "/dev/zero", "0000:00:05.0", self->root));
	f = fopen(self->spec, "w");
	ASSERT_NE(NULL, f);
	print_cdi(f, CSA_CDI_KIND, c, 2, libs, 2);
	fclose(f);
	EXPECT_EQ(0, validate(self->spec, out, sizeof(out))) TH_LOG("%s", out);
	/* without a library the spec stays valid */
	f = fopen(self->spec, "w");
	ASSERT_NE(NULL, f);
	print_cdi(f, CSA_CDI_KIND, c, 1, NULL, 0);
	fclose(f);
	EXPECT_EQ(0, validate(self->spec, out, sizeof(out))) TH_LOG("%s", out);
}

TEST_F(cdi, validator_refuses_broken_specs)
{
	static const char *const broken[] = {
		"{\"kind\": \"csa.example.org/card\", \"devices\": []}",	/* no version */
		"{\"cdiVersion\": \"0.5.0\", \"kind\": \"csa\", \"devices\": "
			"[{\"name\": \"0\", \"containerEdits\": {\"deviceNodes\": [{\"path\": \"/dev/x\"}]}}]}",
		"{\"cdiVersion\": \"0.5.0\", \"kind\": \"a.b/c\", \"devices\": "
			"[{\"name\": \"-0\", \"containerEdits\": {\"deviceNodes\": [{\"path\": \"/dev/x\"}]}}]}",
		"{\"cdiVersion\": \"0.5.0\", \"kind\": \"a.b/c\", \"devices\": "
			"[{\"name\": \"0\", \"containerEdits\": {\"deviceNodes\": [{\"path\": \"dev/x\"}]}}]}",
		"{\"cdiVersion\": \"0.5.0\", \"kind\": \"a.b/c\", \"devices\": "
			"[{\"name\": \"0\", \"containerEdits\": {\"deviceNodes\": [{\"major\": 1}]}}]}",
		"{\"cdiVersion\": \"9.9.9\", \"kind\": \"a.b/c\", \"devices\": "
			"[{\"name\": \"0\", \"containerEdits\": {\"deviceNodes\": [{\"path\": \"/dev/x\"}]}}]}",
	};
	char out[4096];

	if (!have_validator())
		SKIP(return, "no CDI schema or python3-jsonschema");
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		FILE *f = fopen(self->spec, "w");

		ASSERT_NE(NULL, f);
		fputs(broken[i], f);
		fclose(f);
		EXPECT_EQ(1, validate(self->spec, out, sizeof(out)))
			TH_LOG("accepted: %s\n%s", broken[i], out);
	}
}

TEST_HARNESS_MAIN
