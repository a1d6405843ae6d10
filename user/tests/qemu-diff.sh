#!/bin/sh
# Differential reference for the sample programs.
#
#   user/tests/qemu-diff.sh                 run every Linux-only program under qemu-riscv64 and
#                                           record stdout and exit status in tests/expected/
#   user/tests/qemu-diff.sh --check CMD...  run every program with CMD (e.g. ./tessera run)
#                                           instead and diff against the recorded files
#
# Programs run from the user/ directory with the same argv ("bin/<name>.elf" as argv[0]) and
# the same two environment variables in both modes, so their output can be compared byte for
# byte. Only descriptor 1 is compared; descriptor 2 is shown when a check fails.
# workers and captest are left out: they use Tessera's own calls (spawn, capabilities), which
# qemu-riscv64 does not have.
set -u

here=$(cd "$(dirname "$0")" && pwd)
user=$(dirname "$here")
expected="$here/expected"
programs="hello hello-pie cpubound memory fault syscalls fpu tls"

args_for() {
    case "$1" in
        hello|hello-pie) echo "one two" ;;
        cpubound) echo "8" ;;
        *) echo "" ;;
    esac
}

mode=record
if [ "${1:-}" = "--check" ]; then
    mode=check
    shift
    [ $# -gt 0 ] || { echo "usage: $0 --check CMD [ARGS...]" >&2; exit 2; }
else
    command -v qemu-riscv64 >/dev/null || { echo "qemu-riscv64 not found (Debian package qemu-user)" >&2; exit 2; }
    set -- qemu-riscv64
fi

# The programs run from user/, so a command given by a relative path (./tessera) is made
# absolute first, against the directory the script was started from.
case "$1" in
    /*) ;;
    */*) cmd=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); shift; set -- "$cmd" "$@" ;;
esac
cd "$user" || exit 2
export TESSERA_GREETING="hello from the test"
export TESSERA_NAME="qemu-diff"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=""
for p in $programs; do
    # shellcheck disable=SC2046 # the arguments are meant to split
    "$@" "bin/$p.elf" $(args_for "$p") >"$work/$p.out" 2>"$work/$p.err"
    echo $? >"$work/$p.status"
    if [ "$mode" = record ]; then
        cp "$work/$p.out" "$expected/$p.out"
        cp "$work/$p.status" "$expected/$p.status"
        echo "recorded $p: exit status $(cat "$work/$p.status")"
    elif cmp -s "$work/$p.out" "$expected/$p.out" && cmp -s "$work/$p.status" "$expected/$p.status"; then
        echo "same     $p"
    else
        echo "DIFFERS  $p: exit status $(cat "$work/$p.status"), expected $(cat "$expected/$p.status")"
        diff -u "$expected/$p.out" "$work/$p.out" | head -40
        sed 's/^/  stderr: /' "$work/$p.err" | head -10
        failed="$failed $p"
    fi
done
if [ -n "$failed" ]; then
    echo "differential test failed:$failed" >&2
    exit 1
fi
