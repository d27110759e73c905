# mk/package.mk - shipping machinectl (issue 21): the machine OS builder as
# an installed thing (`machinectl os build`), the release download's tests,
# `make dist`/`distcheck`, and the Debian packages (debian/).  Included at the
# end of Makefile.am.  See doc/packaging.md.
#
#   make deb              the .debs from the dist tarball, in $(builddir)/deb/
#                         (dpkg-buildpackage -us -uc -b; log: deb/build.log)
#   make lintian          lintian over them; fails on an error
#   make check-package    install the .debs into this machine, use them, purge
#                         them (root; tests/package/deb-install.sh)
#   make distcheck        the tarball builds, installs, passes make check and
#                         uninstalls from a read-only source tree

# os build: src/ops/os.c runs the installed builder.
libmccore_la_SOURCES += src/ops/os.c
machinectl_SOURCES += src/cmd/os.c

# The builder: scripts/build-iso and its inputs (scripts/iso/, listed by find:
# whatever the machine OS gains is installed too), under
# $(pkgdatadir)/os/scripts/ in the source tree's layout, so that build-iso
# finds its inputs and hashes them as a build in the tree does (the same
# inputs give the same build cache entry).
osbuilderdir = $(pkgdatadir)/os/scripts
install-data-hook: install-os-builder
install-os-builder:
	@$(MKDIR_P) '$(DESTDIR)$(osbuilderdir)' || exit 1; \
	echo " $(INSTALL_SCRIPT) $(srcdir)/scripts/build-iso '$(DESTDIR)$(osbuilderdir)'"; \
	$(INSTALL_SCRIPT) '$(srcdir)/scripts/build-iso' '$(DESTDIR)$(osbuilderdir)/build-iso' || exit 1; \
	echo " installing $(srcdir)/scripts/iso/ to '$(DESTDIR)$(osbuilderdir)/iso/'"; \
	cd '$(srcdir)/scripts' && \
	find iso -type d | LC_ALL=C sort | while read -r d; do \
		$(MKDIR_P) '$(DESTDIR)$(osbuilderdir)'/"$$d" || exit 1; \
	done && \
	find iso ! -type d | LC_ALL=C sort | while read -r f; do \
		if test -x "$$f"; then $(INSTALL_SCRIPT) "$$f" '$(DESTDIR)$(osbuilderdir)'/"$$f" || exit 1; \
		else $(INSTALL_DATA) "$$f" '$(DESTDIR)$(osbuilderdir)'/"$$f" || exit 1; fi; \
	done
uninstall-hook:
	rm -rf '$(DESTDIR)$(pkgdatadir)/os'
.PHONY: install-os-builder

# The default ISO: the caches, then the release download (good, corrupted,
# interrupted and resumed, 404, wrong checksum); os build's errors.
if HAVE_LIBVIRT
CLI_TESTS += tests/cli/t3005-os-release.sh
endif
CLI_TESTS += tests/cli/t3006-os-build.sh
# An installed machinectl (the .debs) with no ISO gets the machine OS from a
# release server and boots a real VM with it.
E2E_TESTS += tests/e2e/installed-release.sh

# make dist: the packaging, every document (doc/, which the .debs ship), and
# what the tests and the builder need beyond the other fragments' lists.
EXTRA_DIST += \
	debian/changelog \
	debian/control \
	debian/copyright \
	debian/rules \
	debian/source/format \
	debian/docker-machinectl.install \
	debian/docker-machinectl.docs \
	debian/docker-machinectl-libvirt.install \
	debian/docker-machinectl-os-builder.install \
	debian/docker-machinectl-os-builder.lintian-overrides \
	debian/docker-machinectl-dev.install \
	debian/not-installed \
	doc \
	tests/package/deb-install.sh

# distcheck: the release configuration (warnings are errors, the libvirt
# driver built); its `make check` is the unit and CLI tests only — the real-VM
# suite is check-e2e, which distcheck never runs.
AM_DISTCHECK_CONFIGURE_FLAGS = --enable-werror --with-libvirt=yes

DEB_DIR = $(abs_top_builddir)/deb
.PHONY: deb lintian check-package
deb: dist-gzip
	@rm -rf '$(DEB_DIR)' && $(MKDIR_P) '$(DEB_DIR)' && \
	tar -C '$(DEB_DIR)' -xzf $(distdir).tar.gz && \
	echo "  DEB      $(DEB_DIR) (dpkg-buildpackage -us -uc -b, log: $(DEB_DIR)/build.log)" && \
	if (cd '$(DEB_DIR)/$(distdir)' && dpkg-buildpackage -us -uc -b) >'$(DEB_DIR)/build.log' 2>&1; then \
		ls -1 '$(DEB_DIR)'/*.deb; \
	else \
		tail -n 40 '$(DEB_DIR)/build.log'; echo "make deb: dpkg-buildpackage failed (log above)"; exit 1; \
	fi

lintian:
	lintian --fail-on error '$(DEB_DIR)'/*.changes

check-package:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='tests/package/deb-install.sh'

clean-local:
	rm -rf '$(DEB_DIR)'
