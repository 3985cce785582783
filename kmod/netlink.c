// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "kstream": the control plane.
 */

#include <net/genetlink.h>

#include "kstream.h"

static struct genl_family kstream_genl_family __ro_after_init = {
	.name = KSTREAM_GENL_NAME,
	.version = KSTREAM_GENL_VERSION,
	.maxattr = KSTREAM_A_MAX,
	.netnsok = false,
	.module = THIS_MODULE,
};

int __init kstream_genl_init(void)
{
	return genl_register_family(&kstream_genl_family);
}

void kstream_genl_exit(void)
{
	genl_unregister_family(&kstream_genl_family);
}

MODULE_ALIAS_GENL_FAMILY(KSTREAM_GENL_NAME);
