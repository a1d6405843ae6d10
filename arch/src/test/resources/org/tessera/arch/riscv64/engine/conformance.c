/* Freestanding RV64GC conformance program for RiscvGccProgramTest: run under qemu-riscv64
 * and under the engine, the output and exit status must match byte for byte. Volatile
 * inputs keep the compiler from folding the arithmetic away. */
typedef unsigned long u64;
typedef long i64;
typedef unsigned int u32;

static long syscall3(long n, long a, long b, long c)
{
    register long a0 __asm__("a0") = a;
    register long a1 __asm__("a1") = b;
    register long a2 __asm__("a2") = c;
    register long a7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
    return a0;
}

void *memset(void *d, int c, unsigned long n) { char *p = d; while (n--) *p++ = (char)c; return d; }
void *memcpy(void *d, const void *s, unsigned long n) { char *p = d; const char *q = s; while (n--) *p++ = *q++; return d; }

static char out[8192];
static int len;

static void hex(u64 v)
{
    for (int i = 60; i >= 0; i -= 4)
    {
        out[len++] = "0123456789abcdef"[(v >> i) & 15];
    }
    out[len++] = '\n';
}

static u64 dbits(double d) { union { double d; u64 u; } x; x.d = d; return x.u; }
static u64 fbits(float f) { union { float f; u32 u; } x; x.f = f; return x.u; }
static u64 flags(void) { u64 f; __asm__ volatile("frflags %0" : "=r"(f)); __asm__ volatile("fsflags zero"); return f; }

volatile i64 vi[4] = { -7, 3, 0x123456789abcdefL, 0x7fffffffffffffffL };
volatile double vd[6] = { 1.0 / 3, 2.0, -0.0, 1e300, 2.5, 0.1 };
volatile float vf[4] = { 0.1f, 3.0f, -2.5f, 16777217.0f };
volatile i64 big = -0x7000000000000001L;
long counter;
int words[64];

int main(void)
{
    i64 a = vi[0], b = vi[1], c = vi[2], m = vi[3];
    hex(a / b); hex(a % b); hex((u64)a / (u64)b); hex((u64)a % (u64)b);
    hex(a * m); hex((u64)((__int128)c * m >> 64)); hex((u64)(((unsigned __int128)(u64)a * (u64)c) >> 64));
    hex((i64)(int)(c * 0x12345)); hex((u64)c >> 13); hex(c >> 60); hex((u64)(int)((u32)c >> 3));
    hex((i64)((int)c / (int)b)); hex((u64)((u32)c % 1000u));

    u64 x = 0x9e3779b97f4a7c15UL, acc = 0;
    for (int i = 0; i < 1000; i++)
    {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        acc += (x % 1000003) * (u64)(i + 1);
        if ((i64)x < 0) acc ^= x >> 3;
        words[i & 63] += (int)x;
    }
    hex(acc);
    i64 sum = 0;
    for (int i = 0; i < 64; i++) sum += words[i];
    hex((u64)sum);

    __atomic_fetch_add(&counter, 5, __ATOMIC_SEQ_CST);
    long expected = 5;
    __atomic_compare_exchange_n(&counter, &expected, 40, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    __atomic_fetch_or(&counter, 3, __ATOMIC_SEQ_CST);
    hex((u64)counter);
    hex((u64)__atomic_fetch_add((int *)&words[1], -1, __ATOMIC_RELAXED));

    double d0 = vd[0], d1 = vd[1];
    hex(dbits(d0 * d1 + d0)); hex(flags());
    hex(dbits(__builtin_sqrt(d1))); hex(flags());
    hex(dbits(__builtin_fma(d0, 3.0, -1.0))); hex(flags());
    hex(dbits(vd[3] * vd[3])); hex(flags());
    hex(dbits(vd[2] - vd[2])); hex(dbits(-vd[2]));
    hex((u64)(i64)vd[4]); hex((u64)(i64)-vd[4]); hex(flags());
    hex((u64)(int)(vd[3])); hex(flags());
    hex(dbits((double)big)); hex(flags());
    hex(fbits((float)big)); hex(flags());
    hex(fbits((float)d0)); hex(dbits((double)vf[0])); hex(flags());
    hex(fbits(vf[0] * vf[1] + vf[2])); hex(flags());
    hex(fbits(vf[3] / vf[1])); hex(flags());
    hex((u64)(i64)(int)vf[2]); hex((u64)(u32)vf[1]); hex(flags());
    double lo, hi, zero = 0.0, nz = vd[2];
    __asm__ volatile("fmin.d %0, %1, %2" : "=f"(lo) : "f"(nz), "f"(zero));
    __asm__ volatile("fmax.d %0, %1, %2" : "=f"(hi) : "f"(nz), "f"(zero));
    hex(dbits(lo)); hex(dbits(hi));

    double h = 0; float hf = 0;
    for (int i = 1; i <= 1000; i++) { h += 1.0 / i; hf += 1.0f / (float)i; }
    hex(dbits(h)); hex(fbits(hf)); hex(flags());

    int modes[4] = { 1, 2, 3, 4 };
    for (int i = 0; i < 4; i++)
    {
        __asm__ volatile("fsrm %0" : : "r"(modes[i]));
        hex(dbits(vd[5] * 3.0)); hex(fbits(vf[0] / 3.0f));
        __asm__ volatile("fsrm zero");
    }
    u64 cls; __asm__ volatile("fclass.d %0, %1" : "=r"(cls) : "f"(vd[2])); hex(cls);

    syscall3(64, 1, (long)out, len);
    return (int)(counter & 0x7f);
}

__asm__(".globl _start\n"
        "_start:\n"
        ".option push\n.option norelax\n"
        "  la gp, __global_pointer$\n"
        ".option pop\n"
        "  call main\n"
        "  li a7, 93\n"
        "  ecall\n");
