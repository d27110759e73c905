# The core library (linked into the program and the unit tests) and the program.
noinst_LTLIBRARIES += libmccore.la
libmccore_la_SOURCES = \
	src/config.c src/config.h \
	src/error.c src/error.h \
	src/log.c src/log.h \
	src/machine.c src/machine.h \
	src/opts.c src/opts.h \
	src/proc.c src/proc.h \
	src/provision.c src/provision.h \
	src/store.c src/store.h \
	src/swarm.c src/swarm.h \
	src/tabwriter.c src/tabwriter.h \
	src/template.c src/template.h src/template-fmt.c src/template-fmt.h \
	src/util.c src/util.h \
	src/ops/ops.h src/ops/ops-internal.h src/ops/listing.h \
	src/ops/boot.c src/ops/certs.c src/ops/create.c src/ops/handle.c src/ops/host.c \
	src/ops/import.c src/ops/inspect.c src/ops/lifecycle.c src/ops/listing.c src/ops/swarm.c \
	drivers/driver.h drivers/registry.c drivers/registry.h \
	drivers/none/none.c
# libcurl and libssh are not linked: src/curl-lazy.c and src/ssh-lazy.c load
# them on first use (start-up cost, doc/performance.md).
libmccore_la_SOURCES += src/lazy.c src/lazy.h src/curl-lazy.c src/ssh-lazy.c
libmccore_la_LIBADD = $(JANSSON_LIBS) $(INIH_LIBS) $(OPENSSL_LIBS)

bin_PROGRAMS += machinectl
machinectl_SOURCES = \
	src/main.c src/cli.h \
	src/cmd/common.c \
	src/cmd/create.c \
	src/cmd/env.c \
	src/cmd/inspect.c \
	src/cmd/lifecycle.c \
	src/cmd/swarm.c \
	src/cmd/term.c src/cmd/term.h \
	src/cmd/ls.c
machinectl_LDADD = libmccore.la

# The build identifier `version` prints: `git describe` of the source tree,
# taken at every make (the file changes, and main.o is rebuilt, only when the
# identifier does); the package version outside git (a release tarball).
BUILT_SOURCES += buildid.h
EXTRA_DIST += doc/compat.md
CLEANFILES += buildid.h
buildid.h: FORCE
	$(AM_V_GEN)id=$$(git -C '$(top_srcdir)' describe --tags --always --dirty 2>/dev/null) || id=; \
	case $$id in *[!A-Za-z0-9._+-]*|'') id='$(PACKAGE_VERSION)';; esac; \
	printf '#define MC_BUILD_ID "%s"\n' "$$id" >$@.tmp; \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi
.PHONY: FORCE
FORCE:
