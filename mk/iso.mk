# mk/iso.mk - the machine OS boot ISO (included by Makefile.am).
#
#   make iso                 build (or reuse from the cache) machinectl-os.iso
#                            and copy it to $(builddir)/iso/
#   make iso ISO_FLAGS=--force   rebuild even when cached
#   make check-iso           the e2e VM tests (root, QEMU, several minutes)
#
# scripts/build-iso needs root (debootstrap); it caches under
# /var/cache/machinectl/iso (MACHINECTL_ISO_CACHE).  See doc/machine-os.md.

ISO_OUTDIR = $(abs_builddir)/iso

EXTRA_DIST += scripts/build-iso scripts/iso

.PHONY: iso check-iso
iso:
	$(top_srcdir)/scripts/build-iso --out $(ISO_OUTDIR) $(ISO_FLAGS)

check-iso:
	$(top_srcdir)/tests/e2e/iso-boot.sh
	$(top_srcdir)/tests/e2e/iso-cidata.sh
