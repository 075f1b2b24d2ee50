// SPDX-License-Identifier: GPL-2.0
/*
 * CSA device recovery: one path for every way the card can lose its state.
 *
 *   fatal card error (CSA_IRQ_ERROR / CSA_STATUS_FATAL)   -> csa_recover()
 *   PCI error recovery (AER): error_detected, slot_reset, resume
 *   function reset from the PCI core (sysfs reset): reset_prepare/done
 *   system suspend and resume (dev_pm_ops)
 *
 * Each is csa_dev_stop() (queues parked, card quiesced, jobs the card held
 * fail with -EIO), then csa_dev_restart() (soft reset, firmware reloaded
 * and verified by the card, rings restarted).  Jobs not yet on a ring run
 * afterwards.  The steps are serialised by csa_device.reset_lock.
 */
#include <linux/pci.h>
#include <linux/pm.h>
#include <drm/drm_drv.h>

#include "csa_drv.h"
#include "csa_trace.h"

static void csa_dev_stop(struct csa_device *csa, bool drain)
{
	lockdep_assert_held(&csa->reset_lock);
	if (csa->stopped)
		return;
	csa->stopped = true;
	csa_dbg(&csa->pdev->dev, RESET, "stopping the queues%s\n",
		drain ? ", draining the rings" : "");
	csa_queues_stop(csa, drain);
}

/* Reload the firmware and run the queues again; false if the card is lost. */
static bool csa_dev_restart(struct csa_device *csa)
{
	int ret;

	lockdep_assert_held(&csa->reset_lock);
	if (!csa->stopped)
		return true;
	ret = csa_fw_load(csa);
	if (ret)
		dev_err(&csa->pdev->dev,
			"recovery failed: firmware reload (%d); the card stays unusable\n",
			ret);
	csa_queues_start(csa, ret);
	csa->stopped = false;
	csa->resets++;
	trace_csa_reset(&csa->pdev->dev, csa->resets, ret);
	csa_dbg(&csa->pdev->dev, RESET, "device reset %u done: %d\n", csa->resets, ret);
	return !ret;
}

/**
 * csa_recover() - full device recovery after a fatal card error
 * @csa: the device
 * @why: for the log
 *
 * Sleeps.  Jobs on the card fail with -EIO; queued jobs run afterwards.
 */
void csa_recover(struct csa_device *csa, const char *why)
{
	int idx;

	if (!drm_dev_enter(&csa->drm, &idx))
		return;		/* being removed: remove stops everything */
	mutex_lock(&csa->reset_lock);
	dev_warn(&csa->pdev->dev, "%s (status 0x%08x): resetting the card\n", why,
		 csa_read(csa, CSA_REG_STATUS));
	csa_dev_stop(csa, false);
	if (csa_dev_restart(csa))
		dev_info(&csa->pdev->dev, "recovered: firmware reloaded, queues running\n");
	mutex_unlock(&csa->reset_lock);
	drm_dev_exit(idx);
}

static void csa_recover_work(struct work_struct *work)
{
	struct csa_device *csa = container_of(work, struct csa_device, recover_work);

	csa_recover(csa, "card reported a fatal error");
}

/**
 * csa_reset_init() - set up the recovery work and lock at probe time
 * @csa: the device
 */
void csa_reset_init(struct csa_device *csa)
{
	mutex_init(&csa->reset_lock);
	INIT_WORK(&csa->recover_work, csa_recover_work);
}

/**
 * csa_reset_fini() - no recovery may start any more (remove)
 * @csa: the device, unplugged
 */
void csa_reset_fini(struct csa_device *csa)
{
	cancel_work_sync(&csa->recover_work);
}

/* PCI error recovery (Documentation/PCI/pci-error-recovery.rst) */

static pci_ers_result_t csa_pci_error_detected(struct pci_dev *pdev,
					       pci_channel_state_t state)
{
	struct csa_device *csa = pci_get_drvdata(pdev);

	dev_warn(&pdev->dev, "PCI channel error (state %d)\n", state);
	if (state == pci_channel_io_perm_failure)
		return PCI_ERS_RESULT_DISCONNECT;
	mutex_lock(&csa->reset_lock);
	csa_dev_stop(csa, false);
	mutex_unlock(&csa->reset_lock);
	return PCI_ERS_RESULT_NEED_RESET;
}

static pci_ers_result_t csa_pci_slot_reset(struct pci_dev *pdev)
{
	struct csa_device *csa = pci_get_drvdata(pdev);
	bool ok;

	/* a fatal error reset the link: BARs, bus master, MSI-X are gone */
	pci_restore_state(pdev);
	pci_save_state(pdev);	/* restoring consumed it; for the next error */
	pci_set_master(pdev);
	mutex_lock(&csa->reset_lock);
	ok = csa_dev_restart(csa);
	mutex_unlock(&csa->reset_lock);
	return ok ? PCI_ERS_RESULT_RECOVERED : PCI_ERS_RESULT_DISCONNECT;
}

static void csa_pci_resume(struct pci_dev *pdev)
{
	dev_info(&pdev->dev, "PCI error recovery done\n");
}

/* A function reset by the PCI core (e.g. sysfs "reset"): stop, then restart. */
static void csa_pci_reset_prepare(struct pci_dev *pdev)
{
	struct csa_device *csa = pci_get_drvdata(pdev);

	mutex_lock(&csa->reset_lock);
	csa_dev_stop(csa, false);
}

static void csa_pci_reset_done(struct pci_dev *pdev)
{
	struct csa_device *csa = pci_get_drvdata(pdev);

	pci_set_master(pdev);
	csa_dev_restart(csa);
	mutex_unlock(&csa->reset_lock);
}

const struct pci_error_handlers csa_pci_err_handler = {
	.error_detected = csa_pci_error_detected,
	.slot_reset = csa_pci_slot_reset,
	.resume = csa_pci_resume,
	.reset_prepare = csa_pci_reset_prepare,
	.reset_done = csa_pci_reset_done,
};

/* System sleep: let the card finish its jobs, then stop; reload on resume. */
static int csa_pm_suspend(struct device *dev)
{
	struct csa_device *csa = dev_get_drvdata(dev);

	mutex_lock(&csa->reset_lock);
	csa_dev_stop(csa, true);
	mutex_unlock(&csa->reset_lock);
	return 0;
}

static int csa_pm_resume(struct device *dev)
{
	struct csa_device *csa = dev_get_drvdata(dev);
	bool ok;

	mutex_lock(&csa->reset_lock);
	ok = csa_dev_restart(csa);
	mutex_unlock(&csa->reset_lock);
	return ok ? 0 : -EIO;
}

DEFINE_SIMPLE_DEV_PM_OPS(csa_pm_ops, csa_pm_suspend, csa_pm_resume);
