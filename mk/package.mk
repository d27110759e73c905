# mk/package.mk - shipping machinectl (issue 21): the machine OS builder
# installed (`machinectl os build` runs it), `make distcheck`'s settings, and
# the Debian packages (debian/).  See doc/packaging.md.
#
#   make deb              the .debs from the dist tarball, in $(builddir)/deb/
#                         (dpkg-buildpackage -us -uc -b; log: deb/build.log)
#   make lintian          lintian over them; fails on an error
#   make check-package    install the .debs into this machine, use them, purge
#                         them (root; tests/package/deb-install.sh)
#   make distcheck        the tarball builds, installs, passes make check and
#                         uninstalls from a read-only source tree

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

# make dist: the packaging and its test (the other fragments ship the rest:
# the tests, scripts/, doc/).  debian/ file by file: a package build in a
# checkout leaves its products there.
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
	tests/package/deb-install.sh

# automake's distdir copies an EXTRA_DIST directory (tests/lib, tests/e2e,
# tests/fuzz...) from the build directory as well when one of that name exists
# there, and after make check those hold objects, test programs and logs: a
# tarball with tests/lib/tls-mkcert.o did not build.  So the tarball keeps
# only what the source tree has.  (In a build inside the source tree the two
# cannot be told apart: make dist from a build directory, as scripts/test and
# make deb do.)
dist-hook:
	@if test '$(abs_srcdir)' != '$(abs_builddir)'; then \
		cd '$(distdir)' && find . -mindepth 1 | while read -r f; do \
			test -e '$(abs_srcdir)'/"$$f" || test -h '$(abs_srcdir)'/"$$f" || test ! -e "$$f" || \
				{ echo " rm -rf $(distdir)/$${f#./} (built here, not a source)"; rm -rf "$$f"; }; \
		done; \
	fi

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
