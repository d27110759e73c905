# TLS certificates (issue 3): sources are added to libmccore_la_SOURCES here.
