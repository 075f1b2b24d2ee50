// SPDX-License-Identifier: GPL-2.0
/*
 * CSA complementary-sparse accelerator: PCI driver and DRM device: a
 * compute accel node (/dev/accel/accel*) where the kernel has
 * CONFIG_DRM_ACCEL, a render node elsewhere (docs/driver.md).
 *
 * Probe: map BAR0, check the card, set up DMA and MSI-X, load firmware,
 * register the DRM device.  Everything is devres/drmm managed, so every
 * failure path and remove release in reverse order automatically.
 */
#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <drm/drm_debugfs.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_prime.h>

#include "csa_drm.h"
#include "csa_drv.h"
#include "csa_gem.h"

#ifdef HAVE_DRM_ACCEL	/* csa_drv.h: csa_compat.h; no drm_accel.h in 6.1 */
#include <drm/drm_accel.h>
#endif

static const struct drm_ioctl_desc csa_drm_ioctls[] = {
	DRM_IOCTL_DEF_DRV(CSA_GET_PARAM, csa_ioctl_get_param, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(CSA_BO_CREATE, csa_ioctl_bo_create, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(CSA_BO_INFO, csa_ioctl_bo_info, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(CSA_BO_USERPTR, csa_ioctl_bo_userptr, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(CSA_BO_WAIT, csa_ioctl_bo_wait, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(CSA_QUEUE_CREATE, csa_ioctl_queue_create, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(CSA_QUEUE_DESTROY, csa_ioctl_queue_destroy, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(CSA_SUBMIT, csa_ioctl_submit, DRM_RENDER_ALLOW),
};

/*
 * The upstream home of compute-only drivers is the accel subsystem: its
 * nodes are not graphics, so no render group ACL applies (tools/udev/
 * gives them group render).  Core DRM ioctls behave alike on both.
 */
#ifdef HAVE_DRM_ACCEL
#define CSA_NODE_FEATURE	DRIVER_COMPUTE_ACCEL

/*
 * The core ioctls a render node allows (DRM_RENDER_ALLOW in drm_ioctl.c),
 * the only ones libcsa and libdrm's helpers use.  The accel core applies
 * no such filter, and some legacy ioctls dereference the file's master,
 * which accel files never have: 6.12's DRM_IOCTL_GET_UNIQUE oopses
 * (found by csa-fuzz-ioctl).  Accel files get the render node's set.
 */
static bool csa_core_ioctl_allowed(unsigned int nr)
{
	switch (nr) {
	case DRM_IOCTL_NR(DRM_IOCTL_VERSION):
	case DRM_IOCTL_NR(DRM_IOCTL_GET_CAP):
	case DRM_IOCTL_NR(DRM_IOCTL_GEM_CLOSE):
	case DRM_IOCTL_NR(DRM_IOCTL_PRIME_HANDLE_TO_FD):
	case DRM_IOCTL_NR(DRM_IOCTL_PRIME_FD_TO_HANDLE):
	case DRM_IOCTL_NR(DRM_IOCTL_SYNCOBJ_CREATE):
	case DRM_IOCTL_NR(DRM_IOCTL_SYNCOBJ_DESTROY):
	case DRM_IOCTL_NR(DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD):
	case DRM_IOCTL_NR(DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE):
	case DRM_IOCTL_NR(DRM_IOCTL_SYNCOBJ_WAIT):
	case DRM_IOCTL_NR(DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT):
	case DRM_IOCTL_NR(DRM_IOCTL_SYNCOBJ_RESET):
	case DRM_IOCTL_NR(DRM_IOCTL_SYNCOBJ_SIGNAL):
	case DRM_IOCTL_NR(DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL):
	case DRM_IOCTL_NR(DRM_IOCTL_SYNCOBJ_QUERY):
	case DRM_IOCTL_NR(DRM_IOCTL_SYNCOBJ_TRANSFER):
#ifdef DRM_IOCTL_SYNCOBJ_EVENTFD
	case DRM_IOCTL_NR(DRM_IOCTL_SYNCOBJ_EVENTFD):
#endif
		return true;
	default:
		return false;
	}
}

static bool csa_ioctl_allowed(unsigned int cmd)
{
	unsigned int nr = DRM_IOCTL_NR(cmd);

	if (nr >= DRM_COMMAND_BASE && nr < DRM_COMMAND_END)
		return true;	/* csa's own: every one is DRM_RENDER_ALLOW */
	return csa_core_ioctl_allowed(nr);
}

static long csa_accel_ioctl(struct file *filp, unsigned int cmd,
			    unsigned long arg)
{
	if (!csa_ioctl_allowed(cmd))
		return -EACCES;
	return drm_ioctl(filp, cmd, arg);
}

#ifdef CONFIG_COMPAT
static long csa_accel_compat_ioctl(struct file *filp, unsigned int cmd,
				   unsigned long arg)
{
	if (!csa_ioctl_allowed(cmd))
		return -EACCES;
	return drm_compat_ioctl(filp, cmd, arg);
}
#else
#define csa_accel_compat_ioctl	NULL
#endif

/* DRM_ACCEL_FOPS with the filter in front of drm_ioctl */
static const struct file_operations csa_drm_fops = {
	.owner		= THIS_MODULE,
	.open		= accel_open,
	.release	= drm_release,
	.unlocked_ioctl	= csa_accel_ioctl,
	.compat_ioctl	= csa_accel_compat_ioctl,
	.poll		= drm_poll,
	.read		= drm_read,
	.llseek		= noop_llseek,
	.mmap		= drm_gem_mmap,
#ifdef FOP_UNSIGNED_OFFSET
	.fop_flags	= FOP_UNSIGNED_OFFSET,
#endif
};
#else
#define CSA_NODE_FEATURE	DRIVER_RENDER
DEFINE_DRM_GEM_FOPS(csa_drm_fops);
#endif

static const struct drm_info_list csa_debugfs_list[] = {
	{ "csa_bos", csa_bos_show, 0 },		/* csa_gem.c */
	{ "csa_queues", csa_queues_show, 0 },	/* csa_sched.c */
};

static void csa_debugfs_init(struct drm_minor *minor)
{
	drm_debugfs_create_files(csa_debugfs_list, ARRAY_SIZE(csa_debugfs_list),
				 minor->debugfs_root, minor);
}

static const struct drm_driver csa_drm_driver = {
	.driver_features	= DRIVER_GEM | CSA_NODE_FEATURE |
				  DRIVER_SYNCOBJ | DRIVER_SYNCOBJ_TIMELINE,
	.open			= csa_file_open,
	.postclose		= csa_file_postclose,
	.gem_create_object	= csa_gem_create_object,
	.gem_prime_import_sg_table = csa_gem_prime_import_sg_table,
#ifdef HAVE_DRM_PRIME_FD_HOOKS
	.prime_handle_to_fd	= drm_gem_prime_handle_to_fd,
	.prime_fd_to_handle	= drm_gem_prime_fd_to_handle,
#endif
#ifdef HAVE_DRM_DRIVER_GEM_PRIME_MMAP
	.gem_prime_mmap		= drm_gem_prime_mmap,
#endif
#ifndef HAVE_DRM_ACCEL
	/* DRM calls it for the primary minor only, never for an accel one */
	.debugfs_init		= csa_debugfs_init,
#endif
	.ioctls			= csa_drm_ioctls,
	.num_ioctls		= ARRAY_SIZE(csa_drm_ioctls),
	.fops			= &csa_drm_fops,
	.name			= CSA_DRIVER_NAME,
	.desc			= "CSA complementary-sparse accelerator",
#ifdef HAVE_DRM_DRIVER_DATE
	.date			= "20251128",
#endif
	/* The DRM version mirrors the uapi version userspace codes against. */
	.major			= CSA_UAPI_VERSION_MAJOR,
	.minor			= CSA_UAPI_VERSION_MINOR,
};

static int csa_map_regs(struct csa_device *csa)
{
	struct pci_dev *pdev = csa->pdev;
	int ret;

	if (!(pci_resource_flags(pdev, CSA_BAR_REGS) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, CSA_BAR_REGS) < CSA_BAR_REGS_SIZE) {
		dev_err(&pdev->dev, "BAR%d is not a %u byte memory BAR\n",
			CSA_BAR_REGS, CSA_BAR_REGS_SIZE);
		return -ENODEV;
	}

#ifdef HAVE_PCIM_IOMAP_REGION
	csa->regs = pcim_iomap_region(pdev, CSA_BAR_REGS, CSA_DRIVER_NAME);
	ret = PTR_ERR_OR_ZERO(csa->regs);
#else
	ret = pcim_iomap_regions(pdev, BIT(CSA_BAR_REGS), CSA_DRIVER_NAME);
	if (!ret)
		csa->regs = pcim_iomap_table(pdev)[CSA_BAR_REGS];
#endif
	if (ret)
		dev_err(&pdev->dev, "cannot map BAR%d (%d)\n", CSA_BAR_REGS, ret);
	return ret;
}

static int csa_setup_dma(struct csa_device *csa)
{
	struct device *dev = &csa->pdev->dev;
	int ret;

	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (ret)
		ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32));
	if (ret) {
		dev_err(dev, "no usable DMA addressing, neither 64 nor 32 bit (%d)\n", ret);
		return ret;
	}
	/*
	 * A segment (struct csa_seg) has a 64-bit length and may cross any
	 * boundary; a scatterlist entry holds at most UINT_MAX bytes.  The
	 * PCI default (64 KiB) would be a lie.  A PCI device always has the
	 * dma_parms these need: they cannot fail (they return void since 6.12).
	 */
	dma_set_max_seg_size(dev, UINT_MAX);
	dma_set_seg_boundary(dev, DMA_BIT_MASK(64));
	return 0;
}

/* One vector for firmware/errors plus one per hardware queue, exactly. */
static int csa_setup_irqs(struct csa_device *csa)
{
	struct pci_dev *pdev = csa->pdev;
	struct device *dev = &pdev->dev;
	unsigned int nvec = CSA_MSIX_VECTORS(csa->caps.num_queues);
	const char *name;
	int ret;

	ret = pci_alloc_irq_vectors(pdev, nvec, nvec, PCI_IRQ_MSIX);
	if (ret < 0) {
		dev_err(dev, "cannot allocate %u MSI-X vectors (%d)\n", nvec, ret);
		return ret;
	}

	/* No stale interrupt from a previous owner may reach the handler. */
	csa_hw_quiesce(csa);

	name = devm_kasprintf(dev, GFP_KERNEL, "csa-misc@%s", pci_name(pdev));
	if (!name)
		return -ENOMEM;
	ret = devm_request_irq(dev, pci_irq_vector(pdev, CSA_MSIX_VEC_MISC),
			       csa_hw_irq_misc, 0, name, csa);
	if (ret)
		dev_err(dev, "cannot request the misc interrupt (%d)\n", ret);
	return ret;
}

static int csa_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct csa_device *csa;
	int ret;

	csa = devm_drm_dev_alloc(&pdev->dev, &csa_drm_driver,
				 struct csa_device, drm);
	if (IS_ERR(csa))
		return PTR_ERR(csa);
	csa->pdev = pdev;
	init_completion(&csa->fw_done);
	csa_reset_init(csa);
	mutex_init(&csa->dma_lock);
	INIT_LIST_HEAD(&csa->dma_list);
	pci_set_drvdata(pdev, csa);

	ret = pcim_enable_device(pdev);
	if (ret) {
		dev_err(&pdev->dev, "cannot enable PCI device (%d)\n", ret);
		return ret;
	}

	ret = csa_map_regs(csa);
	if (ret)
		return ret;
	ret = csa_hw_identify(csa);
	if (ret)
		return ret;

	pci_set_master(pdev);
	ret = csa_setup_dma(csa);
	if (ret)
		return ret;
	ret = csa_setup_irqs(csa);
	if (ret)
		return ret;
	/* the config space PCI error recovery restores after a link reset */
	pci_save_state(pdev);

	ret = csa_fw_load(csa);
	if (ret)
		return ret;	/* csa_fw_load() quiesced the card */

	csa_gem_init(csa);
	/* one block a job: its bind table, at most CSA_MAX_BINDS slots */
	csa->bind_pool = dmam_pool_create("csa-bind", &pdev->dev,
					  CSA_MAX_BINDS * sizeof(struct csa_bind_slot),
					  16, 0);
	if (!csa->bind_pool) {
		csa_hw_quiesce(csa);
		return -ENOMEM;
	}
	ret = csa_queues_init(csa);
	if (ret) {
		csa_hw_quiesce(csa);
		return ret;
	}

	ret = drm_dev_register(&csa->drm, 0);
	if (ret) {
		dev_err(&pdev->dev, "cannot register DRM device (%d)\n", ret);
		csa_hw_quiesce(csa);
		csa_queues_fini(csa);
		return ret;
	}
#ifdef HAVE_DRM_ACCEL
	/* accel_debugfs_register() set the minor's root: accel/<PCI address> */
	csa_debugfs_init(csa->drm.accel);
#endif

	dev_info(&pdev->dev, "hw %u.%u, firmware %u.%u.%u (ABI %u), %u queues, serial 0x%016llx\n",
		 csa->caps.hw_version >> 16, csa->caps.hw_version & 0xffff,
		 csa->caps.fw_version >> 16, (csa->caps.fw_version >> 8) & 0xff,
		 csa->caps.fw_version & 0xff, csa->caps.fw_abi,
		 csa->caps.num_queues, csa->caps.serial);
	return 0;
}

static void csa_pci_remove(struct pci_dev *pdev)
{
	struct csa_device *csa = pci_get_drvdata(pdev);

	/* Open files stay valid but every ioctl now fails with -ENODEV. */
	drm_dev_unplug(&csa->drm);
	csa_hw_quiesce(csa);
	synchronize_irq(pci_irq_vector(pdev, CSA_MSIX_VEC_MISC));
	csa_reset_fini(csa);
	csa_queues_fini(csa);
	/* Objects and jobs of open files live on, without DMA mappings. */
	csa_dma_release_all(csa);
}

/* Stop DMA before reboot or kexec hands memory to someone else. */
static void csa_pci_shutdown(struct pci_dev *pdev)
{
	csa_hw_quiesce(pci_get_drvdata(pdev));
}

static const struct pci_device_id csa_pci_ids[] = {
	{ PCI_DEVICE(CSA_PCI_VENDOR_ID, CSA_PCI_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, csa_pci_ids);

static struct pci_driver csa_pci_driver = {
	.name		= CSA_DRIVER_NAME,
	.id_table	= csa_pci_ids,
	.probe		= csa_pci_probe,
	.remove		= csa_pci_remove,
	.shutdown	= csa_pci_shutdown,
	.err_handler	= &csa_pci_err_handler,
	.driver.pm	= pm_sleep_ptr(&csa_pm_ops),
	.dev_groups	= csa_sysfs_groups,
};
module_pci_driver(csa_pci_driver);

unsigned int csa_debug;
module_param_named(debug, csa_debug, uint, 0644);
MODULE_PARM_DESC(debug,
		 "Debug messages by category, a bitmask: 0x1 jobs, 0x2 timeouts and resets, 0x4 buffer objects, 0x8 firmware (default 0)");

MODULE_DESCRIPTION("CSA complementary-sparse accelerator");
MODULE_LICENSE("GPL");
