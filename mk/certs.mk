# mk/certs.mk - TLS: the CA, client and server certificates and their checks
# (certs/, part of the core library).
libmccore_la_SOURCES += certs/certs.c certs/certs.h
