# mk/cli.mk - the program: src/main.c (global options, the verb table) and the
# verbs in src/cmd/, which parse, call the core and print.
bin_PROGRAMS += machinectl
machinectl_SOURCES = \
	src/main.c src/cli.h \
	src/cmd/certs.c \
	src/cmd/common.c \
	src/cmd/context.c \
	src/cmd/create.c \
	src/cmd/env.c \
	src/cmd/gen.c \
	src/cmd/import.c \
	src/cmd/inspect.c \
	src/cmd/lifecycle.c \
	src/cmd/ls.c \
	src/cmd/os.c \
	src/cmd/set.c \
	src/cmd/ssh-scp.c \
	src/cmd/swarm.c \
	src/cmd/term.c src/cmd/term.h
machinectl_LDADD = libmccore.la

# The build identifier `version` prints: `git describe` of the source tree,
# taken at every make (the file changes, and main.o is rebuilt, only when the
# identifier does); the package version outside git (a release tarball).
BUILT_SOURCES += buildid.h
CLEANFILES += buildid.h
buildid.h: FORCE
	$(AM_V_GEN)id=$$(git -C '$(top_srcdir)' describe --tags --always --dirty 2>/dev/null) || id=; \
	case $$id in *[!A-Za-z0-9._+-]*|'') id='$(PACKAGE_VERSION)';; esac; \
	printf '#define MC_BUILD_ID "%s"\n' "$$id" >$@.tmp; \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi
.PHONY: FORCE
FORCE:
