#!/bin/bash
# The Windows side of env: PowerShell/cmd detected from the parent (or
# grandparent) process, COMPOSE_CONVERT_WINDOWS_PATHS, the hint as invoked
# (machinectl.exe), values and hint arguments quoted for each shell (a store
# path with spaces, backslashes, $ and quotes), the store under %USERPROFILE%.
# The Windows rules are plain logic behind the OS layer (src/os.h):
# MACHINECTL_OS=windows runs them here, and the parent's name is read from
# /proc as on WSL.  The parent "powershell.exe" is a script of that name.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/hyperv-lib.sh"
unset MACHINECTL_OS __fish_bin_dir

# A store path with a space, as under C:\Users\John Smith.
STORE="$TEST_TMP/John Smith/.machinectl"
export MACHINECTL_STORAGE_PATH="$STORE"
ln -s "$MC_BIN" "$TEST_TMP/bin/machinectl.exe"

# Parent processes named like Windows shells.
WIN="$TEST_TMP/win"
mkdir -p "$WIN"
for n in powershell.exe cmd.exe pwsh.exe launcher explorer.exe; do
	printf '#!/bin/bash\n"$@"\nexit $?\n' >"$WIN/$n"
	chmod +x "$WIN/$n"
done

run mc create -d hyperv --iso "$ISO" --no-provision myvm1
expect_rc 0 "a Hyper-V machine (fake) in a store path with a space"

# --- detection from the parent process ---
MACHINECTL_OS=windows run env -u SHELL "$WIN/powershell.exe" machinectl.exe env myvm1
expect_rc 0 "env under powershell.exe"
expect_golden env-powershell-exe.txt "PowerShell detected from the parent: the exact lines, COMPOSE_CONVERT_WINDOWS_PATHS and the machinectl.exe hint"
expect_out '# & "machinectl.exe" env myvm1 | Invoke-Expression' "the hint is the command as invoked"

MACHINECTL_OS=windows run env -u SHELL "$WIN/cmd.exe" machinectl.exe env myvm1
expect_golden env-cmd-exe.txt "cmd detected from the parent: the exact lines and hint"

MACHINECTL_OS=windows run env -u SHELL "$WIN/pwsh.exe" machinectl.exe env myvm1
expect_out '$Env:DOCKER_MACHINE_NAME = "myvm1"' "PowerShell 7 (pwsh.exe) is PowerShell too"

MACHINECTL_OS=windows run env -u SHELL "$WIN/powershell.exe" "$WIN/launcher" machinectl.exe env myvm1
expect_out '$Env:DOCKER_HOST = "tcp://192.168.50.10:2376"' "the grandparent counts (machinectl under a wrapper)"

MACHINECTL_OS=windows run env -u SHELL "$WIN/explorer.exe" "$WIN/launcher" machinectl.exe env myvm1
expect_rc 0 "neither PowerShell nor cmd above: cmd"
expect_out "You can further specify your shell with either 'cmd' or 'powershell' with the --shell flag." "docker-machine's hint to pass --shell"
expect_out "SET DOCKER_MACHINE_NAME=myvm1" "cmd's syntax"

MACHINECTL_OS=windows SHELL=/usr/bin/bash run "$WIN/powershell.exe" machinectl.exe env myvm1
expect_out 'export DOCKER_MACHINE_NAME="myvm1"' "a set \$SHELL wins on Windows too (Git Bash, Cygwin)"
MACHINECTL_OS=windows SHELL=/usr/bin/bash __fish_bin_dir=/usr/bin run machinectl.exe env myvm1
expect_out 'set -gx DOCKER_MACHINE_NAME "myvm1";' "__fish_bin_dir means fish on Windows"

run env -u SHELL "$WIN/powershell.exe" machinectl.exe env myvm1
expect_rc 1 "not Windows and no \$SHELL: docker-machine's Unknown shell"
expect_err "Error: Unknown shell" "unchanged outside Windows"

MACHINECTL_OS=windows run machinectl.exe env --shell powershell myvm1
expect_out '# & "machinectl.exe" env --shell powershell myvm1 | Invoke-Expression' "an explicit --shell is in the hint"
MACHINECTL_OS=windows run machinectl.exe env -u --shell powershell
expect_out 'Remove-Item Env:\\COMPOSE_CONVERT_WINDOWS_PATHS' "unset removes COMPOSE_CONVERT_WINDOWS_PATHS too"
run machinectl.exe env --shell powershell myvm1
check "no COMPOSE_CONVERT_WINDOWS_PATHS outside Windows" bash -c '! grep -q COMPOSE <<<"$1"' _ "$OUT"

# --- paths with spaces, backslashes, $ and quotes ---
run mc env --shell bash myvm1
eval "$OUT"
check "sh: the eval'd DOCKER_CERT_PATH is the machine's directory (a space in it)" \
	test "$DOCKER_CERT_PATH" = "$STORE/machines/myvm1"
unset DOCKER_TLS_VERIFY DOCKER_HOST DOCKER_CERT_PATH DOCKER_MACHINE_NAME

ODD="$TEST_TMP/odd \$HOME \`x\` \"q\" back\\slash"
run mc -s "$ODD" create -d none --url tcp://127.0.0.1:2376 n1
expect_rc 0 "a store whose path has a space, \$, backquotes, double quotes and a backslash"
run mc -s "$ODD" env --shell bash n1
eval "$OUT"
check "sh: such a path survives eval" test "$DOCKER_CERT_PATH" = "$ODD/machines/n1"
unset DOCKER_TLS_VERIFY DOCKER_HOST DOCKER_CERT_PATH DOCKER_MACHINE_NAME
HINT=$(sed -n 's/^# eval \$(\(.*\))$/\1/p' <<<"$OUT")
check "sh: the hint quotes the -s argument" test "$HINT" = "machinectl -s '$ODD' env --shell bash n1"
check "sh: the hint's command runs as printed" test "$(eval "$HINT")" = "$OUT"
run mc -s "$ODD" env --shell powershell n1
expect_out "\$Env:DOCKER_CERT_PATH = \"$TEST_TMP/odd \`\$HOME \`\`x\`\` \`\"q\`\" back\\slash/machines/n1\"" \
	"powershell: \$, backquote and double quote escaped with a backquote, the backslash literal"
expect_out "# & \"machinectl\" -s '$ODD' env --shell powershell n1 | Invoke-Expression" "powershell: the hint quotes the argument in single quotes"
run mc -s "$ODD" env --shell fish n1
expect_out "set -gx DOCKER_CERT_PATH \"$TEST_TMP/odd \\\$HOME \`x\` \\\"q\\\" back\\\\slash/machines/n1\";" "fish: \$, quotes and backslash escaped"
run mc -s "$ODD" env --shell emacs n1
expect_out "(setenv \"DOCKER_CERT_PATH\" \"$TEST_TMP/odd \$HOME \`x\` \\\"q\\\" back\\\\slash/machines/n1\")" "emacs: quotes and backslash escaped (an Elisp string)"
run mc -s "$ODD" env --shell cmd n1
expect_rc 1 "cmd: a path with a double quote is refused (SET cannot carry it)"
expect_err "the value of DOCKER_CERT_PATH holds a double quote, which cmd cannot carry safely" "cmd: the refusal says why"
CMDP="$TEST_TMP/Jo & Co (x86) back\\slash"
run mc -s "$CMDP" create -d none --url tcp://127.0.0.1:2376 n1
run mc -s "$CMDP" env --shell cmd n1
expect_out "SET \"DOCKER_CERT_PATH=$CMDP/machines/n1\"" "cmd: a value with & and parentheses is SET \"X=v\" (the quotes keep them literal)"
expect_out "SET DOCKER_MACHINE_NAME=n1" "cmd: plain values stay SET X=v"
expect_out "IN ('machinectl -s \"$CMDP\" env --shell cmd n1')" "cmd: the hint's argument in double quotes"

# --- the store under %USERPROFILE% on Windows, $HOME elsewhere ---
PROFILE="$TEST_TMP/Users/Jane Doe"
mkdir -p "$PROFILE" "$TEST_TMP/home"
MACHINECTL_OS=windows USERPROFILE="$PROFILE" HOME="$TEST_TMP/home" run env -u MACHINECTL_STORAGE_PATH \
	machinectl create -d none --url tcp://127.0.0.1:2376 w1
expect_rc 0 "create with the default store on Windows"
check "the store is %USERPROFILE%\\.machinectl" test -f "$PROFILE/.machinectl/machines/w1/config.json"
USERPROFILE="$PROFILE" HOME="$TEST_TMP/home" run env -u MACHINECTL_STORAGE_PATH \
	machinectl create -d none --url tcp://127.0.0.1:2376 h1
check "elsewhere it is \$HOME/.machinectl" test -f "$TEST_TMP/home/.machinectl/machines/h1/config.json"
MACHINECTL_OS=windows run env -u MACHINECTL_STORAGE_PATH -u USERPROFILE machinectl ls
expect_rc 1 "no %USERPROFILE% on Windows"
expect_err "cannot find the home directory: set USERPROFILE or use --storage-path" "says which variable"

run mc rm -y myvm1
done_testing
