#!/bin/sh
# Differential ISA fuzzing against qemu-riscv64.
#
#   user/tests/isa-fuzz.sh [-n SNIPPETS] [-i INSTRUCTIONS] SEED... -- CMD...
#
# For each seed: isa-fuzz.py writes random RV64GC snippets and a driver, the cross compiler
# builds them with the runtime in lib/, and the program's output (every register, fcsr and a
# memory hash after each snippet) and exit status under qemu-riscv64 must equal what CMD
# (e.g. "./tessera run --tick 1000") gives. Needs python3, riscv64-linux-gnu-gcc, make and
# qemu-riscv64. Exits 1 naming the first seed that differs (its files are kept).
set -u
here=$(cd "$(dirname "$0")" && pwd)
user=$(dirname "$here")
snippets=60
instructions=60
while [ $# -gt 0 ]; do
    case "$1" in
        -n) snippets=$2; shift 2 ;;
        -i) instructions=$2; shift 2 ;;
        --) shift; break ;;
        *) seeds="${seeds:-} $1"; shift ;;
    esac
done
[ $# -gt 0 ] && [ -n "${seeds:-}" ] || { echo "usage: isa-fuzz.sh [-n N] [-i N] SEED... -- CMD..." >&2; exit 2; }
make -s -C "$user" build/exec/crt0.o build/exec/start.o build/exec/syscall.o build/exec/libc.o || exit 2
work=$(mktemp -d)
arch="-march=rv64gc -mabi=lp64d"
status=0
for seed in $seeds; do
    base="$work/fuzz$seed"
    python3 "$here/isa-fuzz.py" "$seed" "$snippets" "$instructions" "$base" &&
    riscv64-linux-gnu-gcc $arch -mcmodel=medany -O1 -fno-pie -ffreestanding -fno-stack-protector \
        -I"$user/lib" -c "$base.c" -o "$base.c.o" &&
    riscv64-linux-gnu-gcc $arch -c "$base.S" -o "$base.S.o" &&
    riscv64-linux-gnu-gcc $arch -nostdlib -nostartfiles -static -no-pie -Wl,--no-warn-rwx-segments \
        -o "$base.elf" "$user"/build/exec/crt0.o "$user"/build/exec/start.o "$user"/build/exec/syscall.o \
        "$user"/build/exec/libc.o "$base.c.o" "$base.S.o" -lgcc || { echo "isa-fuzz: seed $seed: build failed" >&2; exit 2; }
    qemu-riscv64 "$base.elf" > "$base.qemu" 2>/dev/null; qemu_status=$?
    "$@" "$base.elf" > "$base.out" 2> "$base.err"; run_status=$?
    if [ "$qemu_status" != "$run_status" ] || ! cmp -s "$base.qemu" "$base.out"; then
        echo "isa-fuzz: seed $seed differs (exit $run_status, qemu $qemu_status); files in $work" >&2
        diff "$base.qemu" "$base.out" | head -20 >&2
        head -5 "$base.err" >&2
        status=1
        break
    fi
    echo "isa-fuzz: seed $seed: $snippets snippets of $instructions instructions, same as qemu-riscv64"
done
[ $status = 0 ] && rm -rf "$work"
exit $status
