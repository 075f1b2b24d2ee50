// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Probe with missing, corrupt (bad CRC) and incompatible (bad ABI)
 * firmware: swap the image in /lib/firmware/csa, unbind/bind ONE card
 * through sysfs; the bind must fail with one clear kernel log line from csa
 * naming the firmware problem, the other card keeps answering, and with the
 * good image restored the card binds and works again.  rmmod still works
 * after a failed probe.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "csa_drm.h"
#include "csa_vm.h"

#define DRIVER_DIR	"/sys/bus/pci/drivers/csa"
#define GOOD_BACKUP	"/tmp/csa-fw.bin.good"

FIXTURE(fw) {
	struct csa_vm_card victim;
	struct csa_vm_card witness;
	char fw_path[128];
};

FIXTURE_SETUP(fw)
{
	struct csa_vm_card card[CSA_VM_MAX_CARDS];
	int n = csa_vm_cards(card, CSA_VM_MAX_CARDS);
	int ret;

	ASSERT_LE(2, n) TH_LOG("needs two cards from the VM runner, has %d", n);
	self->witness = card[0];
	self->victim = card[1];
	snprintf(self->fw_path, sizeof(self->fw_path), "%s/csa-fw.bin",
		 csa_vm_fw_dir());
	if (access(GOOD_BACKUP, F_OK)) {
		ret = csa_vm_copy_file(self->fw_path, GOOD_BACKUP);
		ASSERT_EQ(0, ret) TH_LOG("back up %s: %s", self->fw_path, strerror(-ret));
	}
	ASSERT_EQ(1, csa_vm_bound(self->victim.addr))
		TH_LOG("%s not bound before the test", self->victim.addr);
}

FIXTURE_TEARDOWN(fw)
{
	/* leave the good firmware and both cards bound for what follows */
	csa_vm_copy_file(GOOD_BACKUP, self->fw_path);
	if (access("/sys/module/csa", F_OK))
		csa_vm_load_module();
	if (!csa_vm_bound(self->victim.addr))
		csa_vm_write_file(DRIVER_DIR "/bind", self->victim.addr);
}

static void expect_serial(struct __test_metadata *_metadata,
			  const struct csa_vm_card *c, const char *when)
{
	uint64_t serial = ~0ull;
	int fd = csa_vm_open_render(c->addr);
	int ret;

	ASSERT_LE(0, fd) TH_LOG("%s: %s: no render node: %s", when, c->addr,
				strerror(-fd));
	ret = csa_vm_get_param(fd, DRM_CSA_PARAM_SERIAL, 0, 0, &serial);
	close(fd);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s: query: %s", when, c->addr, strerror(-ret));
	EXPECT_EQ(c->serial, serial) TH_LOG("%s: %s answers serial 0x%llx", when,
					    c->addr, (unsigned long long)serial);
}

/* Is @line (one "<level> <text>" record) the driver's error about @addr? */
static int is_driver_error(const char *line, const char *addr)
{
	char prefix[64];
	unsigned int level;
	int skip;

	if (sscanf(line, "%u %n", &level, &skip) != 1 || level > 4)
		return 0;
	snprintf(prefix, sizeof(prefix), "csa %s: ", addr);
	if (strncmp(line + skip, prefix, strlen(prefix)))
		return 0;
	line += skip + strlen(prefix);
	/* Debian's firmware_class logs every failed load under our name */
	if (!strncmp(line, "firmware: failed to load ", strlen("firmware: failed to load ")))
		return 0;
	/* the driver core's own line, under our name since 6.8 (6.1: "csa: probe of") */
	return strncmp(line, "probe with driver csa failed with error ",
		       strlen("probe with driver csa failed with error "));
}

/*
 * Install @image (NULL: no image at all), rebind the victim, expect the
 * bind to fail with exactly one csa error line that mentions the firmware
 * and one of @why, then check the witness and restore.
 */
static void bad_firmware_probe(struct __test_metadata *_metadata,
			       FIXTURE_DATA(fw) *self, const char *image,
			       const char *const *why)
{
	char log[16384], bad[128], found[512] = "";
	int kmsg, ret, matches = 0, others = 0;

	if (image) {
		snprintf(bad, sizeof(bad), "%s/%s", csa_vm_fw_test_dir(), image);
		ret = csa_vm_copy_file(bad, self->fw_path);
		ASSERT_EQ(0, ret) TH_LOG("install %s: %s", bad, strerror(-ret));
	} else {
		ASSERT_EQ(0, unlink(self->fw_path)) TH_LOG("remove %s: %s",
							   self->fw_path, strerror(errno));
	}
	ret = csa_vm_write_file(DRIVER_DIR "/unbind", self->victim.addr);
	ASSERT_EQ(0, ret) TH_LOG("unbind %s: %s", self->victim.addr, strerror(-ret));
	kmsg = csa_vm_kmsg_open();
	ASSERT_LE(0, kmsg) TH_LOG("/dev/kmsg: %s", strerror(-kmsg));

	ret = csa_vm_write_file(DRIVER_DIR "/bind", self->victim.addr);
	EXPECT_NE(0, ret) TH_LOG("bind %s with %s succeeded", self->victim.addr,
				 image ? image : "no firmware");
	EXPECT_EQ(0, csa_vm_bound(self->victim.addr));

	ret = csa_vm_kmsg_read(kmsg, log, sizeof(log));
	close(kmsg);
	ASSERT_EQ(0, ret) TH_LOG("read /dev/kmsg: %s", strerror(-ret));
	for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
		int reason = 0;

		if (!is_driver_error(line, self->victim.addr))
			continue;
		for (const char *const *w = why; *w; w++)
			reason |= strcasestr(line, *w) != NULL;
		if (reason && (strcasestr(line, "firmware") || strstr(line, "csa-fw"))) {
			matches++;
			snprintf(found, sizeof(found), "%s", line);
		} else {
			others++;
			TH_LOG("other csa error line: %s", line);
		}
	}
	EXPECT_EQ(1, matches) TH_LOG("want one csa error line for %s naming the "
				     "firmware and why (e.g. '%s'); found %d%s%s",
				     self->victim.addr, why[0], matches,
				     matches ? ", last: " : "", found);
	if (matches == 1)
		TH_LOG("kernel said: %s", found);
	EXPECT_EQ(0, others) TH_LOG("a failed probe must log one csa error line, "
				    "not %d more (see above)", others);

	expect_serial(_metadata, &self->witness, "other card during failed probe");

	ret = csa_vm_copy_file(GOOD_BACKUP, self->fw_path);
	ASSERT_EQ(0, ret) TH_LOG("restore firmware: %s", strerror(-ret));
	ret = csa_vm_write_file(DRIVER_DIR "/bind", self->victim.addr);
	ASSERT_EQ(0, ret) TH_LOG("bind %s with good firmware: %s", self->victim.addr,
				 strerror(-ret));
	expect_serial(_metadata, &self->victim, "after restoring firmware");
	expect_serial(_metadata, &self->witness, "after restoring firmware");
}

TEST_F(fw, missing_firmware)
{
	static const char *const why[] = { "not found", "missing", "-2", "ENOENT",
					   "no such file", NULL };

	bad_firmware_probe(_metadata, self, NULL, why);
}

TEST_F(fw, corrupt_firmware_bad_crc)
{
	static const char *const why[] = { "crc", NULL };

	bad_firmware_probe(_metadata, self, "csa-fw-badcrc.bin", why);
}

TEST_F(fw, incompatible_firmware_bad_abi)
{
	static const char *const why[] = { "abi", NULL };

	bad_firmware_probe(_metadata, self, "csa-fw-badabi.bin", why);
}

TEST_F(fw, rmmod_after_failed_probe)
{
	char bad[128];
	int ret;

	snprintf(bad, sizeof(bad), "%s/csa-fw-badcrc.bin", csa_vm_fw_test_dir());
	ret = csa_vm_copy_file(bad, self->fw_path);
	ASSERT_EQ(0, ret) TH_LOG("install %s: %s", bad, strerror(-ret));
	ASSERT_EQ(0, csa_vm_write_file(DRIVER_DIR "/unbind", self->victim.addr));
	EXPECT_NE(0, csa_vm_write_file(DRIVER_DIR "/bind", self->victim.addr))
		TH_LOG("bind with a corrupt image succeeded");

	ret = csa_vm_unload_module();
	ASSERT_EQ(0, ret) TH_LOG("delete_module(csa) after failed probe: %s",
				 strerror(-ret));
	ret = csa_vm_copy_file(GOOD_BACKUP, self->fw_path);
	ASSERT_EQ(0, ret) TH_LOG("restore firmware: %s", strerror(-ret));
	ret = csa_vm_load_module();
	ASSERT_EQ(0, ret) TH_LOG("finit_module: %s", strerror(-ret));
	EXPECT_EQ(1, csa_vm_bound(self->victim.addr));
	EXPECT_EQ(1, csa_vm_bound(self->witness.addr));
	expect_serial(_metadata, &self->victim, "after reload");
	expect_serial(_metadata, &self->witness, "after reload");
}

TEST_HARNESS_MAIN
