# mk/package.mk - shipping machinectl (issue 21): the machine OS builder as
# an installed thing (`machinectl os build`), the release download's tests,
# `make dist`/`distcheck`, and the Debian packages (debian/).  Included at the
# end of Makefile.am.  See doc/packaging.md.

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
