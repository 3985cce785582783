# SPDX-License-Identifier: GPL-2.0
#
# Installing, packaging and releasing kstream.  Included by the top-level
# Makefile.
#
#   make install [DESTDIR=...] [PREFIX=/usr/local] [KVER=...]
#                        install-module (modules_install for KVER, depmod)
#                        + install-userspace (below)
#   make install-userspace  streamctl, streambridge, kstream-node-display (the
#                        udev rule's helper), libkstream (shared with
#                        soname and symbol versions, static, headers, pkg-config),
#                        man pages, udev rule, systemd unit, sysusers.d,
#                        bash completion, modules-load.d/modprobe.d examples
#   make install-files  build only what install-userspace installs
#   make install-dkms    the module's sources under /usr/src/kstream-VERSION
#                        with dkms.conf (dkms add/build/install does the rest)
#   make uninstall       remove all of it (same DESTDIR, PREFIX, KVER)
#   make man             build/man/*.{3,7,8} from Documentation/man/*.rst
#   make dist            build/kstream-VERSION.tar.xz (git archive + VERSION)
#
# With PREFIX=/usr (packages) udev rules, units and sysusers.d go where
# the distribution keeps its own; with another PREFIX to /etc, where the
# administrator's go.  Every directory can be set on the command line.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
DOCDIR ?= $(DATADIR)/doc/kstream
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ifeq ($(PREFIX),/usr)
UDEVRULESDIR ?= /lib/udev/rules.d
SYSTEMDUNITDIR ?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
else
UDEVRULESDIR ?= /etc/udev/rules.d
SYSTEMDUNITDIR ?= /etc/systemd/system
SYSUSERSDIR ?= /etc/sysusers.d
endif
DKMSSRCDIR ?= /usr/src/kstream-$(KSTREAM_VERSION)
INSTALL ?= install

.PHONY: install install-files install-module install-userspace install-dkms uninstall man \
	dist FORCE

# What install-userspace installs, and only that (packages build this).
install-files: $(B)/bin/streamctl $(B)/bin/streambridge $(B)/bin/kstream-node-display \
	$(B)/lib/libkstream.a \
	$(B)/lib/libkstream.so man

# Rewritten only when the version changes: what embeds it depends on it.
$(B)/version.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(KSTREAM_VERSION)' | cmp -s - $@ || echo '$(KSTREAM_VERSION)' >$@

# pc_file PREFIX,LIBDIR,INCLUDEDIR: libkstream.pc.in on stdin, filled in.
pc_file = sed -e 's|@PREFIX@|$(1)|' -e 's|@LIBDIR@|$(2)|' -e 's|@INCLUDEDIR@|$(3)|' \
	-e 's|@VERSION@|$(KSTREAM_VERSION)|'

# ------------------------------------------------------------ man pages
#
# Documentation/man/NAME.SECTION.rst, through docutils' manpage writer
# (scripts/rst2man: rst2man plus the two Sphinx constructs the documents
# use); the pages include the parts of the guides they present.
MAN_SRCS := $(wildcard Documentation/man/*.rst)
MAN_PAGES := $(patsubst Documentation/man/%.rst,$(B)/man/%,$(MAN_SRCS))

man: $(MAN_PAGES)

$(B)/man/%: Documentation/man/%.rst scripts/rst2man $(wildcard Documentation/*.rst) \
		$(B)/version.stamp
	@mkdir -p $(@D)
	$(SRC)/scripts/rst2man --version '$(KSTREAM_VERSION)' $< $@

# -------------------------------------------------------------- install

install: install-module install-userspace

install-module: module
	$(MAKE) -C $$($(SRC)/scripts/kernel-headers $(KVER) $(B)/kernels) \
		M=$(call mod_dir,$(KVER))/kmod INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=updates modules_install
	@# Packages and staged installs run depmod where the files land.
	if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); fi

install-userspace: install-files
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(INCLUDEDIR)/kstream/linux $(DESTDIR)$(MANDIR)/man3 \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(UDEVRULESDIR) $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(DOCDIR)/examples/modules-load.d $(DESTDIR)$(DOCDIR)/examples/modprobe.d
	$(INSTALL) -m 0755 $(B)/bin/streamctl $(DESTDIR)$(BINDIR)/streamctl
	$(INSTALL) -m 0755 $(B)/bin/streambridge $(DESTDIR)$(SBINDIR)/streambridge
	$(INSTALL) -m 0755 $(B)/bin/kstream-node-display $(DESTDIR)$(SBINDIR)/kstream-node-display
	$(INSTALL) -m 0644 userspace/lib/libkstream.h $(DESTDIR)$(INCLUDEDIR)/libkstream.h
	$(INSTALL) -m 0644 uapi/linux/kstream.h $(DESTDIR)$(INCLUDEDIR)/kstream/linux/kstream.h
	$(INSTALL) -m 0644 bpf/kstream_ingress.h $(DESTDIR)$(INCLUDEDIR)/kstream/kstream_ingress.h
	$(INSTALL) -m 0644 $(B)/lib/libkstream.a $(DESTDIR)$(LIBDIR)/libkstream.a
	$(INSTALL) -m 0644 $(B)/lib/libkstream.so \
		$(DESTDIR)$(LIBDIR)/libkstream.so.$(LIB_SOVERSION)
	ln -sfn libkstream.so.$(LIB_SOVERSION) $(DESTDIR)$(LIBDIR)/libkstream.so
	$(call pc_file,$(PREFIX),$(LIBDIR),$(INCLUDEDIR)) <userspace/lib/libkstream.pc.in \
		>$(DESTDIR)$(LIBDIR)/pkgconfig/libkstream.pc
	chmod 0644 $(DESTDIR)$(LIBDIR)/pkgconfig/libkstream.pc
	for m in $(MAN_PAGES); do \
		$(INSTALL) -m 0644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/; done
	$(INSTALL) -m 0644 packaging/bash-completion/streamctl $(DESTDIR)$(BASHCOMPDIR)/streamctl
	$(INSTALL) -m 0644 packaging/bash-completion/streambridge \
		$(DESTDIR)$(BASHCOMPDIR)/streambridge
	$(INSTALL) -m 0644 packaging/udev/60-kstream.rules $(DESTDIR)$(UDEVRULESDIR)/60-kstream.rules
	sed 's|@SBINDIR@|$(SBINDIR)|g' packaging/systemd/streambridge@.service.in \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/streambridge@.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/streambridge@.service
	$(INSTALL) -m 0644 packaging/sysusers.d/kstream.conf $(DESTDIR)$(SYSUSERSDIR)/kstream.conf
	$(INSTALL) -m 0644 packaging/modules-load.d/kstream.conf \
		$(DESTDIR)$(DOCDIR)/examples/modules-load.d/kstream.conf
	$(INSTALL) -m 0644 packaging/modprobe.d/kstream.conf \
		$(DESTDIR)$(DOCDIR)/examples/modprobe.d/kstream.conf
	@# A live install: the library cache, the users and groups, udev.
	if [ -z "$(DESTDIR)" ]; then \
		ldconfig; \
		command -v systemd-sysusers >/dev/null && \
			systemd-sysusers $(SYSUSERSDIR)/kstream.conf || true; \
		command -v udevadm >/dev/null && udevadm control --reload 2>/dev/null || true; \
	fi

# What a DKMS build needs: the module's sources, the uapi header, the
# BTF plumbing (6.1), VERSION and dkms.conf with this version (the
# kstream-dkms package is this, through debian/rules).
DKMS_FILES = Kbuild kmod uapi scripts/kernel-headers scripts/kernel-tree scripts/dkms-build
install-dkms:
	$(INSTALL) -d $(DESTDIR)$(DKMSSRCDIR)
	tar -C $(SRC) -cf - --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
		--exclude='*.mod*' $(DKMS_FILES) | tar -C $(DESTDIR)$(DKMSSRCDIR) -xf -
	echo '$(KSTREAM_VERSION)' >$(DESTDIR)$(DKMSSRCDIR)/VERSION
	sed 's|#MODULE_VERSION#|$(KSTREAM_VERSION)|' packaging/dkms.conf.in >$(DESTDIR)$(DKMSSRCDIR)/dkms.conf

uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KVER)/updates/kstream.ko*
	if [ -z "$(DESTDIR)" ] && [ -d /lib/modules/$(KVER) ]; then depmod -a $(KVER); fi
	rm -f $(DESTDIR)$(BINDIR)/streamctl $(DESTDIR)$(SBINDIR)/streambridge \
		$(DESTDIR)$(SBINDIR)/kstream-node-display \
		$(DESTDIR)$(INCLUDEDIR)/libkstream.h \
		$(DESTDIR)$(INCLUDEDIR)/kstream/linux/kstream.h \
		$(DESTDIR)$(INCLUDEDIR)/kstream/kstream_ingress.h \
		$(DESTDIR)$(LIBDIR)/libkstream.a $(DESTDIR)$(LIBDIR)/libkstream.so \
		$(DESTDIR)$(LIBDIR)/libkstream.so.$(LIB_SOVERSION) \
		$(DESTDIR)$(LIBDIR)/pkgconfig/libkstream.pc \
		$(DESTDIR)$(BASHCOMPDIR)/streamctl $(DESTDIR)$(BASHCOMPDIR)/streambridge \
		$(DESTDIR)$(UDEVRULESDIR)/60-kstream.rules \
		$(DESTDIR)$(SYSTEMDUNITDIR)/streambridge@.service \
		$(DESTDIR)$(SYSUSERSDIR)/kstream.conf \
		$(DESTDIR)$(DOCDIR)/examples/modules-load.d/kstream.conf \
		$(DESTDIR)$(DOCDIR)/examples/modprobe.d/kstream.conf
	for m in $(MAN_PAGES); do \
		p=$${m##*/}; rm -f $(DESTDIR)$(MANDIR)/man$${p##*.}/$$p; done
	-rmdir $(DESTDIR)$(INCLUDEDIR)/kstream/linux $(DESTDIR)$(INCLUDEDIR)/kstream \
		$(DESTDIR)$(DOCDIR)/examples/modules-load.d $(DESTDIR)$(DOCDIR)/examples/modprobe.d \
		$(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null
	if [ -z "$(DESTDIR)" ]; then ldconfig; fi

# ----------------------------------------------------------------- dist
#
# The committed tree (git archive HEAD) plus a VERSION file, so that the
# tarball builds without git (tests/pkg/dist checks it does).
DIST := kstream-$(KSTREAM_VERSION)
dist:
	@case '$(KSTREAM_VERSION)' in *-dirty) \
		echo "dist: uncommitted changes are not in the tarball ($(KSTREAM_VERSION))" >&2 ;; esac
	@mkdir -p $(B)/dist/$(DIST)
	git -C $(SRC) archive --format=tar --prefix=$(DIST)/ HEAD >$(B)/dist/$(DIST).tar
	echo '$(KSTREAM_VERSION)' >$(B)/dist/$(DIST)/VERSION
	tar -C $(B)/dist --owner=0 --group=0 -rf $(B)/dist/$(DIST).tar $(DIST)/VERSION
	xz -T0 -f $(B)/dist/$(DIST).tar
	mv $(B)/dist/$(DIST).tar.xz $(B)/$(DIST).tar.xz
	rm -rf $(B)/dist
	@echo "$(B)/$(DIST).tar.xz"
