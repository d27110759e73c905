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
	src/cmd/ssh-scp.c \
	src/cmd/swarm.c \
	src/cmd/term.c src/cmd/term.h
machinectl_LDADD = libmccore.la
