/* SPDX-License-Identifier: GPL-2.0 */
/*
 * streamctl: loading eBPF ingress programs through libbpf, registering
 * them as kstream filters and pinning their links in bpffs.
 */
#ifndef STREAMCTL_BPFLOAD_H
#define STREAMCTL_BPFLOAD_H

#include "filteropts.h"

/* Where "filter load" pins the link of filter NAME: KST_BPF_PIN_DIR/NAME. */
#define KST_BPF_PIN_DIR "/sys/fs/bpf/kstream"

/*
 * Load the program l describes (a reference program with its
 * configuration, or an object file), register its kstream_ingress_ops map
 * under l->name (a struct_ops link) and pin the link, so the filter
 * outlives streamctl.  Prints what went wrong (libbpf's messages and the
 * verifier log included) and returns EXIT_OK, EXIT_ERROR or
 * EXIT_NOMODULE.
 */
int kst_bpf_load(const struct filter_load *l);

/*
 * Unpin the link of filter name and drop it: the filter is unregistered
 * (and detached from its topics) when this returns, unless something else
 * still holds the link.  EXIT_OK or EXIT_ERROR.
 */
int kst_bpf_unload(const char *name);

#endif /* STREAMCTL_BPFLOAD_H */
