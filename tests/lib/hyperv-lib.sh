# The fake Hyper-V for the CLI tests (source it after cli-lib.sh): a clean
# environment, tests/fakes/powershell.exe first on PATH with its state in
# $MC_FAKE_HYPERV_STATE, the real shim, and a boot ISO in $ISO whose
# initramfs has Hyper-V's guest side (hv_netvsc, hv_utils, hv_kvp_daemon).
unset $(env | sed -n 's/^\(HYPERV_[A-Z_]*\)=.*/\1/p') MACHINECTL_ISO MACHINECTL_POWERSHELL \
	MACHINECTL_HYPERV_TIMEOUT 2>/dev/null
export MC_FAKE_HYPERV_STATE="$TEST_TMP/hyperv"
export MACHINECTL_HYPERV_SHIM="$MC_SRCDIR/drivers/hyperv/machinectl-hyperv.ps1"
mkdir -p "$MC_FAKE_HYPERV_STATE"
PATH="$MC_SRCDIR/tests/fakes:$PATH"
ISO="$TEST_TMP/boot.iso"
fake_iso_guest "$ISO"
