# Driver ABI header, installed for third-party drivers.
machinectlincludedir = $(includedir)/machinectl
machinectlinclude_HEADERS = drivers/driver.h
