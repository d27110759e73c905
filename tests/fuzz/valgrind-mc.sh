#!/bin/sh
# machinectl under valgrind memcheck, for `make check-valgrind` (mk/tests.mk):
# the CLI tests call this in place of the binary (MC_BIN).  Any memory error
# or definite leak makes the command exit 99, which fails the test.
# MC_VALGRIND_BIN is the real binary; MC_VALGRIND_LOG a directory for reports.
#
# The program names itself after argv[0] (hints, renamed binaries): it is
# started by its bare name through a symlink named like this script's $0.
log=${MC_VALGRIND_LOG:-/tmp}
name=$(basename "$0")
dir=$log/bin-$name
mkdir -p "$dir"
ln -sfn "${MC_VALGRIND_BIN:?}" "$dir/$name"
PATH=$dir:$PATH exec valgrind -q --tool=memcheck --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite \
	--log-file="$log/vg.%p.log" "$name" "$@"
