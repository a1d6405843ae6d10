"""Random RV64GC instruction snippets for a differential test against qemu-riscv64.

    isa-fuzz.py SEED SNIPPETS INSTRUCTIONS OUT

writes OUT.S (SNIPPETS functions, each loading x5-x30, f0-f31 and fcsr from a state block,
running INSTRUCTIONS random instructions, storing them back) and OUT.c (a driver that runs each
snippet on seeded initial values and prints every register, fcsr and a hash of the scratch
memory the loads, stores and AMOs used). The same SEED gives the same files.

Covered: RV64I register and immediate operations, forward branches and jumps (jal links a
register), M, loads and stores of every width at
misaligned offsets, A (AMOs, LR/SC), F and D arithmetic, square root, fused multiply-add,
sign injection, min/max, compares, classify, every conversion (integer and between widths)
in every valid rounding mode (static and dynamic), fmv, the FP CSRs, and compressed ALU
forms, on operands chosen to hit the corner cases: NaN payloads, signalling NaNs, unboxed
singles, infinities, subnormals, values at the integer limits.
"""
import random, struct, sys
seed = int(sys.argv[1]); nsnip = int(sys.argv[2]); nins = int(sys.argv[3])
R = random.Random(seed)
XR = list(range(5, 31))  # operand registers (x31 is the scratch base)
def xr(): return R.choice(XR)
def fr(): return R.randrange(32)
def rm(): return R.choice([0,1,2,3,4,7,7,0])
def r(f7, rs2, rs1, f3, rd, op): return (f7<<25)|(rs2<<20)|(rs1<<15)|(f3<<12)|(rd<<7)|op
def i(imm, rs1, f3, rd, op): return ((imm & 0xFFF)<<20)|(rs1<<15)|(f3<<12)|(rd<<7)|op
def s(imm, rs2, rs1, f3, op): return (((imm>>5)&0x7F)<<25)|(rs2<<20)|(rs1<<15)|(f3<<12)|((imm&31)<<7)|op
def r4(rs3, fmt, rs2, rs1, rmv, rd, op): return (rs3<<27)|(fmt<<25)|(rs2<<20)|(rs1<<15)|(rmv<<12)|(rd<<7)|op
def gen():
    k = R.randrange(100)
    if k < 12:  # OP
        f3, f7 = R.choice([(0,0),(0,0x20),(1,0),(2,0),(3,0),(4,0),(5,0),(5,0x20),(6,0),(7,0)])
        return [r(f7, xr(), xr(), f3, xr(), 0x33)]
    if k < 18:  # OP-32
        f3, f7 = R.choice([(0,0),(0,0x20),(1,0),(5,0),(5,0x20)])
        return [r(f7, xr(), xr(), f3, xr(), 0x3B)]
    if k < 26:  # M
        if R.random() < 0.5: return [r(1, xr(), xr(), R.randrange(8), xr(), 0x33)]
        return [r(1, xr(), xr(), R.choice([0,4,5,6,7]), xr(), 0x3B)]
    if k < 32:  # OP-IMM
        f3 = R.randrange(8)
        if f3 == 1: return [i(R.randrange(64), xr(), 1, xr(), 0x13)]
        if f3 == 5: return [i(R.randrange(64) | (0x400 if R.random()<0.5 else 0), xr(), 5, xr(), 0x13)]
        return [i(R.randrange(-2048, 2048), xr(), f3, xr(), 0x13)]
    if k < 35:  # OP-IMM-32
        f3 = R.choice([0,1,5])
        if f3 == 0: return [i(R.randrange(-2048,2048), xr(), 0, xr(), 0x1B)]
        return [i(R.randrange(32) | (0x400 if f3==5 and R.random()<0.5 else 0), xr(), f3, xr(), 0x1B)]
    if k < 37:  # LUI
        return [(R.randrange(1<<20)<<12)|(xr()<<7)|0x37]
    if k < 45:  # loads/stores around x31 (misaligned too)
        off = R.randrange(-1000, 1000)
        if R.random() < 0.5:
            f3 = R.choice([0,1,2,3,4,5,6])
            return [i(off, 31, f3, xr(), 0x03)]
        return [s(off, xr(), 31, R.randrange(4), 0x23)]
    if k < 49:  # FP loads/stores
        off = R.randrange(-1000, 1000)
        if R.random() < 0.5: return [i(off, 31, R.choice([2,3]), fr(), 0x07)]
        return [s(off, fr(), 31, R.choice([2,3]), 0x27)]
    if k < 52:  # AMOs on aligned scratch (x31 is 8-aligned)
        f5 = R.choice([0,1,4,8,12,16,20,24,28])
        w = R.choice([2,3])
        return [r((f5<<2)|R.randrange(4), xr(), 31, w, xr(), 0x2F)]
    if k < 53:  # lr/sc pair
        w = R.choice([2,3]); rd = xr()
        return [r((2<<2), 0, 31, w, rd, 0x2F), r((3<<2), xr(), 31, w, xr(), 0x2F)]
    if k < 80:  # FP arithmetic S/D
        fmt = R.choice([0,1])
        op = R.randrange(12)
        if op == 0: return [r((0<<2)|fmt, fr(), fr(), rm(), fr(), 0x53)]  # fadd
        if op == 1: return [r((1<<2)|fmt, fr(), fr(), rm(), fr(), 0x53)]  # fsub
        if op == 2: return [r((2<<2)|fmt, fr(), fr(), rm(), fr(), 0x53)]  # fmul
        if op == 3: return [r((3<<2)|fmt, fr(), fr(), rm(), fr(), 0x53)]  # fdiv
        if op == 4: return [r((11<<2)|fmt, 0, fr(), rm(), fr(), 0x53)]   # fsqrt
        if op == 5: return [r((4<<2)|fmt, fr(), fr(), R.randrange(3), fr(), 0x53)]  # fsgnj
        if op == 6: return [r((5<<2)|fmt, fr(), fr(), R.randrange(2), fr(), 0x53)]  # fmin/max
        if op == 7: return [r((20<<2)|fmt, fr(), fr(), R.randrange(3), xr(), 0x53)]  # fle/flt/feq
        if op == 8: return [r((28<<2)|fmt, 0, fr(), 1, xr(), 0x53)]  # fclass
        if op == 9: return [r4(fr(), fmt, fr(), fr(), rm(), fr(), R.choice([0x43,0x47,0x4B,0x4F]))]
        if op == 10: return [r((24<<2)|fmt, R.randrange(4), fr(), rm(), xr(), 0x53)]  # fcvt.w/wu/l/lu.fmt
        return [r((26<<2)|fmt, R.randrange(4), xr(), rm(), fr(), 0x53)]  # fcvt.fmt.w/wu/l/lu
    if k < 84:  # fcvt.s.d / fcvt.d.s
        if R.random() < 0.5: return [r((8<<2)|0, 1, fr(), rm(), fr(), 0x53)]
        return [r((8<<2)|1, 0, fr(), rm(), fr(), 0x53)]
    if k < 88:  # fmv
        c = R.randrange(4)
        if c == 0: return [r((28<<2)|0, 0, fr(), 0, xr(), 0x53)]
        if c == 1: return [r((28<<2)|1, 0, fr(), 0, xr(), 0x53)]
        if c == 2: return [r((30<<2)|0, 0, xr(), 0, fr(), 0x53)]
        return [r((30<<2)|1, 0, xr(), 0, fr(), 0x53)]
    if k < 92:  # csr on fflags/frm (frm kept valid via csrrwi with 0-4)
        c = R.randrange(4)
        if c == 0: return [i(1, 0, 2, xr(), 0x73)]      # csrrs rd, fflags, x0
        if c == 1: return [i(2, R.randrange(5), 5, xr(), 0x73)]  # csrrwi rd, frm, 0-4
        if c == 2: return [i(1, R.randrange(32), 7, xr(), 0x73)] # csrrci fflags
        return [i(3, 0, 2, xr(), 0x73)]                  # csrrs rd, fcsr, x0
    # compressed (16-bit), paired to keep 4-byte alignment irrelevant (RVC allows 2-byte)
    cr = lambda: 8 + R.randrange(8)
    c = R.randrange(6)
    if c == 0: h = (0b100<<13)|(1<<12)|((xr() & 31)<<7)|((xr() & 31)<<2)|0b10  # c.add
    elif c == 1: rd=cr(); h = (0b100<<13)|(0<<12)|(0b11<<10)|((rd-8)<<7)|(R.randrange(4)<<5)|((cr()-8)<<2)|0b01  # c.sub/xor/or/and
    elif c == 2: rd=cr(); h = (0b100<<13)|(1<<12)|(0b11<<10)|((rd-8)<<7)|(R.randrange(2)<<5)|((cr()-8)<<2)|0b01  # c.subw/addw
    elif c == 3: imm=R.randrange(64); h=(0b000<<13)|((imm>>5)<<12)|(xr()<<7)|((imm&31)<<2)|0b01  # c.addi
    elif c == 4: imm=R.randrange(64); h=(0b010<<13)|((imm>>5)<<12)|(xr()<<7)|((imm&31)<<2)|0b01   # c.li
    else: imm=R.randrange(1,64); rd=cr(); h=(0b100<<13)|((imm>>5)<<12)|(R.choice([0,1,2])<<10)|((rd-8)<<7)|((imm&31)<<2)|0b01 # c.srli/srai/andi
    return [('h', h)]
out = []
out.append("    .text\n")
for n in range(nsnip):
    out.append(f"    .globl snip{n}\n    .p2align 2\nsnip{n}:\n")
    out.append("    addi sp, sp, -208\n")
    saved = [8,9] + list(range(18,28))
    for j, reg in enumerate(saved): out.append(f"    sd x{reg}, {j*8}(sp)\n")
    for j, reg in enumerate([8,9] + list(range(18,28))): out.append(f"    fsd f{reg}, {96+j*8}(sp)\n")
    out.append("    mv x31, a0\n")
    out.append("    ld x5, 512(x31)\n    csrw fcsr, x5\n")
    for reg in range(5, 31): out.append(f"    ld x{reg}, {reg*8}(x31)\n")
    for reg in range(32): out.append(f"    fld f{reg}, {256+reg*8}(x31)\n")
    out.append("    addi x31, x31, 1544\n")
    body = []
    for _ in range(nins):
        body.extend(gen())
    # forward branches and jumps over a few instructions (targets on instruction boundaries)
    for j in range(len(body) - 1):
        # only a 4-byte instruction is replaced, so every size (and offset) stays as it was
        if R.randrange(12) == 0 and not isinstance(body[j], tuple):
            k = R.randrange(j + 1, min(len(body), j + 6) + 1)
            offset = sum(2 if isinstance(w, tuple) else 4 for w in body[j:k])
            if R.random() < 0.8:
                f3 = R.choice([0, 1, 4, 5, 6, 7])
                imm = offset
                body[j] = ((imm >> 12) & 1) << 31 | ((imm >> 5) & 0x3F) << 25 | xr() << 20 | xr() << 15 | \
                    f3 << 12 | ((imm >> 1) & 0xF) << 8 | ((imm >> 11) & 1) << 7 | 0x63
            else:
                imm = offset
                body[j] = ((imm >> 20) & 1) << 31 | ((imm >> 1) & 0x3FF) << 21 | ((imm >> 11) & 1) << 20 | \
                    ((imm >> 12) & 0xFF) << 12 | xr() << 7 | 0x6F
    for w in body:
        if isinstance(w, tuple): out.append(f"    .2byte 0x{w[1]:04x}\n")
        else: out.append(f"    .4byte 0x{w:08x}\n")
    out.append("    addi x31, x31, -1544\n")
    for reg in range(5, 31): out.append(f"    sd x{reg}, {reg*8}(x31)\n")
    for reg in range(32): out.append(f"    fsd f{reg}, {256+reg*8}(x31)\n")
    out.append("    csrr x5, fcsr\n    sd x5, 512(x31)\n")
    for j, reg in enumerate(saved): out.append(f"    ld x{reg}, {j*8}(sp)\n")
    for j, reg in enumerate([8,9] + list(range(18,28))): out.append(f"    fld f{reg}, {96+j*8}(sp)\n")
    out.append("    addi sp, sp, 208\n    ret\n")
open(sys.argv[4] + ".S", "w").write("".join(out))
# C driver with initial states
specials_d = [0.0, -0.0, 1.0, -1.5, 2.5, 1e300, -1e-300, 5e-324, float('inf'), float('-inf'), 0.1, 3.0, 2**63, -2**63, 2**64, 4294967296.0, -0.5, 0.49999999999999994]
specials_s = [0.0, -0.0, 1.0, -1.5, 2.5, 3e38, 1e-40, 1e-45, float('inf'), float('-inf'), 0.1, 3.0, 2**31, -2**31, 2**32, -0.5, 16777217.0]
def dbits(v): return struct.unpack('<Q', struct.pack('<d', v))[0]
def sbits(v): return struct.unpack('<I', struct.pack('<f', v))[0]
def xval():
    c = R.randrange(6)
    if c == 0: return R.choice([0, 1, 2**64-1, 2**63, 2**63-1, 2**31, 2**31-1, 2**32-1, 0xFFFFFFFF80000000, 7, 2**64-7])
    if c == 1: return R.randrange(2**64)
    if c == 2: return R.randrange(-100, 100) % 2**64
    if c == 3: return dbits(R.choice(specials_d))
    return R.randrange(2**32) if R.random() < 0.5 else (R.randrange(2**31) | (0xFFFFFFFF80000000 if R.random()<0.5 else 0))
def fval():
    c = R.randrange(7)
    if c == 0: return dbits(R.choice(specials_d))
    if c == 1: return 0xFFFFFFFF00000000 | sbits(R.choice(specials_s))
    if c == 2: return 0x7FF8000000000000 | R.randrange(2**51)  # qNaN payloads
    if c == 3: return 0x7FF0000000000001 + R.randrange(2**50)  # sNaN
    if c == 4: return 0xFFFFFFFF7F800001 + R.randrange(2**20)    # boxed single sNaN
    if c == 5: return R.randrange(2**64)                         # garbage (unboxed singles)
    return dbits(R.uniform(-1e6, 1e6))
lines = ['#include "libc.h"\n']
for n in range(nsnip): lines.append(f"void snip{n}(unsigned long *st);\n")
lines.append("static unsigned long st[65 + 512];\n")
lines.append("static const unsigned long initv[] = {\n")
for n in range(nsnip):
    vals = [0]*66
    for reg in range(32): vals[reg] = xval()
    for reg in range(32): vals[32+reg] = fval()
    vals[64] = (R.randrange(5) << 5) | R.randrange(32)
    lines.append(",".join(f"0x{v:x}UL" for v in vals) + ",\n")
lines.append("};\n")
lines.append(f"""
int main(void) {{
    for (int n = 0; n < {nsnip}; n++) {{
        for (int k = 0; k < 65; k++) st[k] = initv[n * 66 + k];
        for (int k = 0; k < 512; k++) st[65 + k] = 0x0123456789abcdefUL * (unsigned long)(k + n + 1);
        switch (n) {{
""")
for n in range(nsnip): lines.append(f"        case {n}: snip{n}(st); break;\n")
lines.append("""        }
        printf("snip %d\\n", n);
        for (int k = 5; k < 31; k++) printf("x%d %016lx\\n", k, st[k]);
        for (int k = 0; k < 32; k++) printf("f%d %016lx\\n", k, st[32 + k]);
        printf("fcsr %lx\\n", st[64]);
        unsigned long h = 1469598103934665603UL;
        for (int k = 0; k < 512; k++) { h ^= st[65 + k]; h *= 1099511628211UL; }
        printf("mem %016lx\\n", h);
    }
    return 0;
}
""")
open(sys.argv[4] + ".c", "w").write("".join(lines))
