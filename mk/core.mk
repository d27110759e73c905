# mk/core.mk - the core library (libmccore): everything but main.c and the
# verbs, linked into the program and the unit tests.  The built-in drivers
# join it in mk/drivers.mk, the TLS code in mk/certs.mk.
noinst_LTLIBRARIES += libmccore.la
libmccore_la_SOURCES = \
	src/config.c src/config.h \
	src/console.c src/console.h \
	src/engine.c src/engine.h \
	src/error.c src/error.h \
	src/gen.c src/gen.h \
	src/iso.c src/iso.h src/iso-boot.c \
	src/log.c src/log.h \
	src/machine.c src/machine.h \
	src/opts.c src/opts.h \
	src/os.h src/os-posix.c \
	src/proc.c src/proc.h \
	src/proc-child.c src/proc-child.h \
	src/provision.c src/provision.h \
	src/registry.c src/registry.h \
	src/ssh.c src/ssh.h src/ssh-internal.h src/ssh-copy.c src/ssh-forward.c src/ssh-mount.c \
	src/store.c src/store.h \
	src/swarm.c src/swarm.h \
	src/tabwriter.c src/tabwriter.h \
	src/template.c src/template.h src/template-fmt.c src/template-fmt.h src/go-regex.c src/go-regex.h \
	src/shares.c src/shares.h \
	src/userdata.c src/userdata.h \
	src/util.c src/util.h \
	drivers/driver.h
# The operations layer: the workflows and the only calls to drivers' operations.
libmccore_la_SOURCES += \
	src/ops/ops.h src/ops/ops-internal.h src/ops/listing.h \
	src/ops/boot.c src/ops/certs.c src/ops/context.c src/ops/create.c src/ops/handle.c src/ops/host.c \
	src/ops/import.c src/ops/inspect.c src/ops/lifecycle.c src/ops/listing.c src/ops/os.c src/ops/swarm.c
# libcurl, libssh and OpenSSL are not linked: src/curl-lazy.c, src/ssh-lazy.c
# and src/crypto-lazy.c load them on first use (start-up cost,
# doc/performance.md).
libmccore_la_SOURCES += src/lazy.c src/lazy.h src/curl-lazy.c src/ssh-lazy.c src/crypto-lazy.c
libmccore_la_LIBADD = $(JANSSON_LIBS) $(INIH_LIBS)
