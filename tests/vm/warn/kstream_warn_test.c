// SPDX-License-Identifier: GPL-2.0
/*
 * Test module for the VM harness itself: it triggers a kernel WARNING at
 * load time.  tests/vm/selftest checks that a run loading it fails even
 * though the command that loaded it succeeded.  Never shipped.
 */

#include <linux/module.h>
#include <linux/bug.h>

static int __init kstream_warn_test_init(void)
{
	WARN(1, "kstream_warn_test: deliberate warning for the harness test\n");
	return 0;
}

static void __exit kstream_warn_test_exit(void)
{
}

module_init(kstream_warn_test_init);
module_exit(kstream_warn_test_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kstream VM harness self-test: WARN on load");
