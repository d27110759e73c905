# The machine OS ISO (scripts/build-iso) — see doc/machine-os.md.
