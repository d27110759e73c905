/* The KVM probe behind --libvirt-domain-type auto (see lv.h). */
#include "buildconf.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "lv.h"

enum {
	PROBE_OK = 0,
	PROBE_NO_DEVICE = 10,
	PROBE_SETUP = 11,
	PROBE_EMULATION = 12,
	PROBE_BAD_EXIT = 13,
};

/*
 * In the child: a vCPU in 32-bit protected mode (flat segments, no paging)
 * runs  pushfd; push 8; push 0x1010; iretd  and then, at 0x1010,
 * mov dx,0x3f8; mov al,0x42; out dx,al; hlt.  A working KVM exits with the
 * port write and then HLT.  Only system calls: we are a fork of a threaded
 * process.
 */
static int probe_child(void)
{
	static const unsigned char code[] = { 0x9c, 0x6a, 0x08, 0x68, 0x10, 0x10, 0x00, 0x00, 0xcf };
	static const unsigned char code2[] = { 0x66, 0xba, 0xf8, 0x03, 0xb0, 0x42, 0xee, 0xf4 };
	const size_t memsz = 0x10000;
	struct kvm_userspace_memory_region region;
	struct kvm_segment cs, ds;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	uint64_t *gdt;
	uint8_t *mem;
	int kvm, vm, vcpu, runsz;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return PROBE_NO_DEVICE;
	vm = ioctl(kvm, KVM_CREATE_VM, 0UL);
	if (vm < 0)
		return PROBE_SETUP;
	mem = mmap(NULL, memsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return PROBE_SETUP;
	memset(&region, 0, sizeof(region));
	region.memory_size = memsz;
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return PROBE_SETUP;
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0UL);
	runsz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, NULL);
	if (vcpu < 0 || runsz <= 0)
		return PROBE_SETUP;
	run = mmap(NULL, (size_t)runsz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED || ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return PROBE_SETUP;
	gdt = (uint64_t *)(void *)(mem + 0x800);
	gdt[0] = 0;
	gdt[1] = 0x00cf9a000000ffffULL;   /* code, selector 8 */
	gdt[2] = 0x00cf92000000ffffULL;   /* data, selector 0x10 */
	sregs.gdt.base = 0x800;
	sregs.gdt.limit = 23;
	sregs.cr0 = 0x11;                 /* PE | ET */
	memset(&cs, 0, sizeof(cs));
	cs.limit = 0xffffffff;
	cs.selector = 8;
	cs.present = 1;
	cs.type = 11;
	cs.db = 1;
	cs.s = 1;
	cs.g = 1;
	ds = cs;
	ds.type = 3;
	ds.selector = 0x10;
	sregs.cs = cs;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = ds;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return PROBE_SETUP;
	memcpy(mem + 0x1000, code, sizeof(code));
	memcpy(mem + 0x1010, code2, sizeof(code2));
	memset(&regs, 0, sizeof(regs));
	regs.rip = 0x1000;
	regs.rflags = 2;
	regs.rsp = 0x8000;
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return PROBE_SETUP;
	if (ioctl(vcpu, KVM_RUN, NULL) < 0)
		return PROBE_SETUP;
	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
		return PROBE_EMULATION;
	if (run->exit_reason != KVM_EXIT_IO || run->io.port != 0x3f8 ||
	    ((uint8_t *)run)[run->io.data_offset] != 0x42)
		return PROBE_BAD_EXIT;
	if (ioctl(vcpu, KVM_RUN, NULL) < 0)
		return PROBE_SETUP;
	return run->exit_reason == KVM_EXIT_HLT ? PROBE_OK : PROBE_BAD_EXIT;
}

int lv_kvm_probe(char *why, size_t why_size)
{
	pid_t pid, w = 0;
	int status = 0;

	pid = fork();
	if (pid < 0) {
		snprintf(why, why_size, "cannot fork the KVM probe: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		_exit(probe_child());
	/* 2 s: the probe takes about a millisecond where KVM works. */
	for (int i = 0; i < 200; i++) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			snprintf(why, why_size, "cannot wait for the KVM probe: %s", strerror(errno));
			return -1;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
		w = 0;
	}
	if (w != pid) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		snprintf(why, why_size, "a KVM probe guest hung");
		return 0;
	}
	if (!WIFEXITED(status)) {
		snprintf(why, why_size, "the KVM probe was killed by signal %d", WTERMSIG(status));
		return 0;
	}
	switch (WEXITSTATUS(status)) {
	case PROBE_OK:
		snprintf(why, why_size, "a KVM probe guest ran");
		return 1;
	case PROBE_NO_DEVICE:
		snprintf(why, why_size, "/dev/kvm cannot be opened here");
		return -1;
	case PROBE_EMULATION:
		snprintf(why, why_size,
			 "/dev/kvm failed a probe guest (emulation failure on a protected-mode IRET, as on PVM hosts): ordinary guests would hang");
		return 0;
	default:
		snprintf(why, why_size, "/dev/kvm failed a probe guest (status %d)", WEXITSTATUS(status));
		return 0;
	}
}
