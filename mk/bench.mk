# Benchmarks (issue 10): `make bench` runs scripts/bench (quick mode) against
# this build tree; `make bench BENCH_ARGS=--full` adds 1000 machines and real
# VMs.  Figures are reports, not assertions; see doc/performance.md.
BENCH_ARGS =
.PHONY: bench
bench: all
	$(top_srcdir)/scripts/bench --builddir '$(abs_top_builddir)' $(BENCH_ARGS)

EXTRA_DIST += scripts/bench tests/bench
