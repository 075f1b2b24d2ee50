// SPDX-License-Identifier: GPL-2.0
/*
 * Read-only sysfs attributes on the PCI device, for scripts and tests that
 * want the card's identity without opening the render node.  They exist
 * only while the driver is bound (driver core adds them after probe).
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "csa_drv.h"

static const struct csa_caps *csa_dev_caps(struct device *dev)
{
	struct csa_device *csa = dev_get_drvdata(dev);

	return &csa->caps;
}

static ssize_t fw_version_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	u32 v = csa_dev_caps(dev)->fw_version;

	return sysfs_emit(buf, "%u.%u.%u\n", v >> 16, (v >> 8) & 0xff, v & 0xff);
}
static DEVICE_ATTR_RO(fw_version);

static ssize_t hw_version_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	u32 v = csa_dev_caps(dev)->hw_version;

	return sysfs_emit(buf, "%u.%u\n", v >> 16, v & 0xffff);
}
static DEVICE_ATTR_RO(hw_version);

static ssize_t num_queues_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", csa_dev_caps(dev)->num_queues);
}
static DEVICE_ATTR_RO(num_queues);

static ssize_t serial_show(struct device *dev,
			   struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "0x%016llx\n", csa_dev_caps(dev)->serial);
}
static DEVICE_ATTR_RO(serial);

/* Full-device resets (fatal error, PCI reset, resume) since probe. */
static ssize_t resets_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct csa_device *csa = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n", READ_ONCE(csa->resets));
}
static DEVICE_ATTR_RO(resets);

static struct attribute *csa_sysfs_attrs[] = {
	&dev_attr_resets.attr,
	&dev_attr_fw_version.attr,
	&dev_attr_hw_version.attr,
	&dev_attr_num_queues.attr,
	&dev_attr_serial.attr,
	NULL
};

static const struct attribute_group csa_sysfs_group = {
	.attrs = csa_sysfs_attrs,
};

const struct attribute_group *csa_sysfs_groups[] = {
	&csa_sysfs_group,
	NULL
};
