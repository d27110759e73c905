# mk/iso.mk - the machine OS boot ISO (included by Makefile.am).
#
#   make iso                 build (or reuse from the cache) machinectl-os.iso
#                            and copy it to $(builddir)/iso/
#   make iso ISO_FLAGS=--force   rebuild even when cached
#   make check-iso           the e2e VM tests (root, QEMU, several minutes)
#
# Makefile.am must define EXTRA_DIST (EXTRA_DIST = ...) before
# "include $(top_srcdir)/mk/iso.mk", since this fragment appends with +=.
#
# scripts/build-iso needs root (debootstrap); it caches under
# /var/cache/machinectl/iso (MACHINECTL_ISO_CACHE).  See doc/machine-os.md.

ISO_OUTDIR = $(abs_builddir)/iso

EXTRA_DIST += \
	scripts/build-iso \
	scripts/iso \
	tests/e2e/lib-vm.sh \
	tests/e2e/iso-boot.sh \
	tests/e2e/iso-cidata.sh \
	tests/e2e/iso-bench.sh \
	tests/e2e/iso-contents.trixie.expected \
	doc/machine-os.md

# The guest's detection and shared-folder scripts, without a VM.
CLI_TESTS += tests/cli/t3004-guest-scripts.sh
# What the ISO holds for each hypervisor (no VM), and the hypervisor
# detection under QEMU (2 boots): in check-e2e.
E2E_TESTS += tests/e2e/iso-contents.sh tests/e2e/iso-guests.sh

.PHONY: iso check-iso
iso:
	$(top_srcdir)/scripts/build-iso --out $(ISO_OUTDIR) $(ISO_FLAGS)

check-iso:
	$(top_srcdir)/tests/e2e/iso-boot.sh
	$(top_srcdir)/tests/e2e/iso-cidata.sh
	$(top_srcdir)/tests/e2e/iso-guests.sh
