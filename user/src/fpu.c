/*
 * fpu: float and double corner cases, printed as values, hex bit patterns and the
 * accrued exception flags (fflags: NV DZ OF UF NX). Every operation is an explicit
 * instruction in inline assembly, so the compiler can neither fold nor reorder it, and the
 * rounding mode of each conversion is named in the instruction itself.
 */
#include "libc.h"

static uint64_t dbits(double d)
{
    union {
        double d;
        uint64_t u;
    } v = {d};
    return v.u;
}

static uint32_t fbits(float f)
{
    union {
        float f;
        uint32_t u;
    } v = {f};
    return v.u;
}

static double from_bits(uint64_t u)
{
    union {
        uint64_t u;
        double d;
    } v = {u};
    return v.d;
}

static void clear_flags(void) { __asm__ volatile("fsflags zero" ::: "memory"); }

static unsigned read_flags(void)
{
    unsigned long f;
    __asm__ volatile("frflags %0" : "=r"(f)::"memory");
    return (unsigned)f;
}

static const char *flag_text(unsigned f)
{
    static char text[16];
    const char *names[] = {"NX", "UF", "OF", "DZ", "NV"};
    size_t n = 0;
    for (int bit = 4; bit >= 0; bit--) {
        if (f & (1u << bit)) {
            if (n != 0) {
                text[n++] = '|';
            }
            text[n++] = names[bit][0];
            text[n++] = names[bit][1];
        }
    }
    if (n == 0) {
        text[n++] = '-';
    }
    text[n] = 0;
    return text;
}

/* One conversion double -> int32 in each static rounding mode. */
#define CVT_W_D(rm, x, out) __asm__ volatile("fcvt.w.d %0, %1, " rm : "=r"(out) : "f"(x) : "memory")

static void conversions_to_int(void)
{
    static const double inputs[] = {2.5, -2.5, 3.5, -0.5, 0.49999999999999994, 1e10, -1e10, 2147483647.5};
    printf("-- double -> int32 (rne rtz rdn rup rmm) and flags\n");
    for (unsigned i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        double x = inputs[i];
        long r[5];
        unsigned f[5];
        clear_flags();
        CVT_W_D("rne", x, r[0]);
        f[0] = read_flags();
        clear_flags();
        CVT_W_D("rtz", x, r[1]);
        f[1] = read_flags();
        clear_flags();
        CVT_W_D("rdn", x, r[2]);
        f[2] = read_flags();
        clear_flags();
        CVT_W_D("rup", x, r[3]);
        f[3] = read_flags();
        clear_flags();
        CVT_W_D("rmm", x, r[4]);
        f[4] = read_flags();
        printf("%016lx:", dbits(x));
        for (int k = 0; k < 5; k++) {
            printf(" %ld(%s)", r[k], flag_text(f[k]));
        }
        printf("\n");
    }
    printf("-- saturating and invalid conversions\n");
    double nan = from_bits(0x7ff8000000000000UL);
    double inf = from_bits(0x7ff0000000000000UL);
    long w;
    unsigned long lu;
    clear_flags();
    __asm__ volatile("fcvt.w.d %0, %1, rtz" : "=r"(w) : "f"(nan));
    printf("fcvt.w.d  nan  = %ld (%s)\n", w, flag_text(read_flags()));
    clear_flags();
    __asm__ volatile("fcvt.w.d %0, %1, rtz" : "=r"(w) : "f"(-inf));
    printf("fcvt.w.d  -inf = %ld (%s)\n", w, flag_text(read_flags()));
    clear_flags();
    __asm__ volatile("fcvt.wu.d %0, %1, rtz" : "=r"(w) : "f"(-1.0));
    printf("fcvt.wu.d -1.0 = %lx (%s)\n", (unsigned long)w, flag_text(read_flags()));
    clear_flags();
    __asm__ volatile("fcvt.wu.d %0, %1, rtz" : "=r"(w) : "f"(-0.5));
    printf("fcvt.wu.d -0.5 = %lx (%s)\n", (unsigned long)w, flag_text(read_flags()));
    clear_flags();
    __asm__ volatile("fcvt.wu.d %0, %1, rtz" : "=r"(w) : "f"(4294967295.0));
    printf("fcvt.wu.d 2^32-1 = %lx (sign-extended) (%s)\n", (unsigned long)w, flag_text(read_flags()));
    clear_flags();
    __asm__ volatile("fcvt.l.d %0, %1, rtz" : "=r"(w) : "f"(1e19));
    printf("fcvt.l.d  1e19 = %lx (%s)\n", (unsigned long)w, flag_text(read_flags()));
    clear_flags();
    __asm__ volatile("fcvt.lu.d %0, %1, rtz" : "=r"(lu) : "f"(nan));
    printf("fcvt.lu.d nan  = %lx (%s)\n", lu, flag_text(read_flags()));
    clear_flags();
    __asm__ volatile("fcvt.lu.d %0, %1, rtz" : "=r"(lu) : "f"(1.8446744073709552e19));
    printf("fcvt.lu.d 2^64 = %lx (%s)\n", lu, flag_text(read_flags()));
}

static void conversions_to_float(void)
{
    printf("-- integer and double -> narrower floating point\n");
    long big = (1L << 53) + 1;
    double d;
    clear_flags();
    __asm__ volatile("fcvt.d.l %0, %1, rne" : "=f"(d) : "r"(big));
    printf("fcvt.d.l 2^53+1 rne = %016lx (%s)\n", dbits(d), flag_text(read_flags()));
    __asm__ volatile("fcvt.d.l %0, %1, rup" : "=f"(d) : "r"(big));
    printf("fcvt.d.l 2^53+1 rup = %016lx\n", dbits(d));
    float f;
    double third = 1.0 / 3.0;
    clear_flags();
    __asm__ volatile("fcvt.s.d %0, %1, rne" : "=f"(f) : "f"(third));
    printf("fcvt.s.d 1/3 rne = %08x (%s)\n", fbits(f), flag_text(read_flags()));
    __asm__ volatile("fcvt.s.d %0, %1, rtz" : "=f"(f) : "f"(third));
    printf("fcvt.s.d 1/3 rtz = %08x\n", fbits(f));
    clear_flags();
    __asm__ volatile("fcvt.s.d %0, %1, rne" : "=f"(f) : "f"(1e300));
    printf("fcvt.s.d 1e300 rne = %08x (%s)\n", fbits(f), flag_text(read_flags()));
    __asm__ volatile("fcvt.s.d %0, %1, rtz" : "=f"(f) : "f"(1e300));
    printf("fcvt.s.d 1e300 rtz = %08x\n", fbits(f));
    clear_flags();
    __asm__ volatile("fcvt.s.d %0, %1" : "=f"(f) : "f"(from_bits(0x7ff4000000000001UL)));
    printf("fcvt.s.d sNaN = %08x (%s)\n", fbits(f), flag_text(read_flags()));
    float snan_f;
    uint32_t snan_bits = 0x7fa00000u;
    __asm__ volatile("fmv.w.x %0, %1" : "=f"(snan_f) : "r"((unsigned long)snan_bits));
    clear_flags();
    __asm__ volatile("fcvt.d.s %0, %1" : "=f"(d) : "f"(snan_f));
    printf("fcvt.d.s sNaN = %016lx (%s)\n", dbits(d), flag_text(read_flags()));
    __asm__ volatile("fcvt.d.s %0, %1" : "=f"(d) : "f"(-0.0f));
    printf("fcvt.d.s -0.0f = %016lx\n", dbits(d));
}

static void nans(void)
{
    printf("-- NaN handling\n");
    double zero = 0.0, one = 1.0, q;
    double nan = from_bits(0x7ff8000000000000UL);
    double snan = from_bits(0x7ff0000000000001UL);
    clear_flags();
    __asm__ volatile("fdiv.d %0, %1, %2" : "=f"(q) : "f"(zero), "f"(zero));
    printf("0/0 = %016lx (%s)\n", dbits(q), flag_text(read_flags()));
    clear_flags();
    __asm__ volatile("fsqrt.d %0, %1" : "=f"(q) : "f"(-one));
    printf("sqrt(-1) = %016lx (%s)\n", dbits(q), flag_text(read_flags()));
    clear_flags();
    __asm__ volatile("fadd.d %0, %1, %2" : "=f"(q) : "f"(from_bits(0xfff8000000000123UL)), "f"(one));
    printf("-nan(payload) + 1 = %016lx (%s)\n", dbits(q), flag_text(read_flags()));
    long r;
    clear_flags();
    __asm__ volatile("feq.d %0, %1, %2" : "=r"(r) : "f"(nan), "f"(nan));
    printf("feq qnan qnan = %ld (%s)\n", r, flag_text(read_flags()));
    clear_flags();
    __asm__ volatile("feq.d %0, %1, %2" : "=r"(r) : "f"(snan), "f"(one));
    printf("feq snan 1 = %ld (%s)\n", r, flag_text(read_flags()));
    clear_flags();
    __asm__ volatile("flt.d %0, %1, %2" : "=r"(r) : "f"(nan), "f"(one));
    printf("flt qnan 1 = %ld (%s)\n", r, flag_text(read_flags()));
    clear_flags();
    __asm__ volatile("fle.d %0, %1, %2" : "=r"(r) : "f"(one), "f"(one));
    printf("fle 1 1 = %ld (%s)\n", r, flag_text(read_flags()));
    clear_flags();
    __asm__ volatile("fmin.d %0, %1, %2" : "=f"(q) : "f"(nan), "f"(one));
    printf("fmin qnan 1 = %016lx (%s)\n", dbits(q), flag_text(read_flags()));
    clear_flags();
    __asm__ volatile("fmax.d %0, %1, %2" : "=f"(q) : "f"(snan), "f"(one));
    printf("fmax snan 1 = %016lx (%s)\n", dbits(q), flag_text(read_flags()));
    clear_flags();
    __asm__ volatile("fmin.d %0, %1, %2" : "=f"(q) : "f"(nan), "f"(nan));
    printf("fmin qnan qnan = %016lx (%s)\n", dbits(q), flag_text(read_flags()));
    static const uint64_t classes[] = {0xfff0000000000000UL, 0xbff0000000000000UL, 0x8000000000000001UL,
                                       0x8000000000000000UL, 0x0000000000000000UL, 0x0000000000000001UL,
                                       0x3ff0000000000000UL, 0x7ff0000000000000UL, 0x7ff0000000000001UL,
                                       0x7ff8000000000000UL};
    printf("fclass.d:");
    for (unsigned i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
        __asm__ volatile("fclass.d %0, %1" : "=r"(r) : "f"(from_bits(classes[i])));
        printf(" %lx", r);
    }
    printf("\n");
}

static void nan_boxing(void)
{
    printf("-- NaN boxing of single-precision values\n");
    double boxed;
    float f;
    unsigned long raw;
    /* A float in a register whose upper 32 bits are not all ones reads as the canonical NaN. */
    __asm__ volatile("fmv.d.x %0, %1" : "=f"(boxed) : "r"(0x000000003f800000UL));
    __asm__ volatile("fadd.s %0, %1, %1" : "=f"(f) : "f"(boxed));
    printf("unboxed 1.0f + itself = %08x\n", fbits(f));
    __asm__ volatile("fmv.w.x %0, %1" : "=f"(f) : "r"(0x3f800000UL));
    __asm__ volatile("fmv.x.d %0, %1" : "=r"(raw) : "f"(f));
    printf("fmv.w.x 1.0f seen as 64 bits = %016lx\n", raw);
    __asm__ volatile("fmv.x.w %0, %1" : "=r"(raw) : "f"(from_bits(0xffffffffbf800000UL)));
    printf("fmv.x.w of -1.0f sign-extends = %016lx\n", raw);
    __asm__ volatile("fsgnjn.s %0, %1, %1" : "=f"(f) : "f"(boxed));
    __asm__ volatile("fmv.x.w %0, %1" : "=r"(raw) : "f"(f));
    printf("fneg.s of an unboxed value = %016lx\n", raw);
}

static void signed_zeros_and_division(void)
{
    printf("-- signed zeros, infinities, division\n");
    double pz = 0.0, nz = from_bits(0x8000000000000000UL), one = 1.0, r;
    __asm__ volatile("fadd.d %0, %1, %2, rne" : "=f"(r) : "f"(nz), "f"(pz));
    printf("-0 + +0 (rne) = %016lx\n", dbits(r));
    __asm__ volatile("fadd.d %0, %1, %2, rne" : "=f"(r) : "f"(nz), "f"(nz));
    printf("-0 + -0 (rne) = %016lx\n", dbits(r));
    __asm__ volatile("fsub.d %0, %1, %1, rdn" : "=f"(r) : "f"(one));
    printf("1 - 1 (rdn) = %016lx\n", dbits(r));
    __asm__ volatile("fsub.d %0, %1, %1, rne" : "=f"(r) : "f"(one));
    printf("1 - 1 (rne) = %016lx\n", dbits(r));
    __asm__ volatile("fmul.d %0, %1, %2" : "=f"(r) : "f"(nz), "f"(one));
    printf("-0 * 1 = %016lx\n", dbits(r));
    __asm__ volatile("fsqrt.d %0, %1" : "=f"(r) : "f"(nz));
    printf("sqrt(-0) = %016lx\n", dbits(r));
    __asm__ volatile("fmin.d %0, %1, %2" : "=f"(r) : "f"(pz), "f"(nz));
    printf("fmin(+0, -0) = %016lx\n", dbits(r));
    __asm__ volatile("fmax.d %0, %1, %2" : "=f"(r) : "f"(nz), "f"(pz));
    printf("fmax(-0, +0) = %016lx\n", dbits(r));
    clear_flags();
    __asm__ volatile("fdiv.d %0, %1, %2" : "=f"(r) : "f"(one), "f"(nz));
    printf("1 / -0 = %016lx (%s)\n", dbits(r), flag_text(read_flags()));
    clear_flags();
    __asm__ volatile("fdiv.d %0, %1, %2" : "=f"(r) : "f"(one), "f"(3.0));
    printf("1 / 3 = %016lx %.17f (%s)\n", dbits(r), r, flag_text(read_flags()));
    __asm__ volatile("fdiv.d %0, %1, %2, rup" : "=f"(r) : "f"(one), "f"(3.0));
    printf("1 / 3 (rup) = %016lx\n", dbits(r));
    float fr;
    __asm__ volatile("fdiv.s %0, %1, %2" : "=f"(fr) : "f"(2.0f), "f"(3.0f));
    printf("2f / 3f = %08x\n", fbits(fr));
    clear_flags();
    __asm__ volatile("fmul.d %0, %1, %2" : "=f"(r) : "f"(1e308), "f"(10.0));
    printf("1e308 * 10 = %016lx (%s)\n", dbits(r), flag_text(read_flags()));
    __asm__ volatile("fmul.d %0, %1, %2, rtz" : "=f"(r) : "f"(1e308), "f"(10.0));
    printf("1e308 * 10 (rtz) = %016lx\n", dbits(r));
    clear_flags();
    __asm__ volatile("fdiv.d %0, %1, %2" : "=f"(r) : "f"(1e-308), "f"(1e10));
    printf("1e-308 / 1e10 = %016lx (%s)\n", dbits(r), flag_text(read_flags()));
    clear_flags();
    __asm__ volatile("fmadd.d %0, %1, %2, %3" : "=f"(r) : "f"(0.1), "f"(10.0), "f"(-1.0));
    printf("fma(0.1, 10, -1) = %016lx (%s)\n", dbits(r), flag_text(read_flags()));
    __asm__ volatile("fmul.d %0, %1, %2" : "=f"(r) : "f"(0.1), "f"(10.0));
    __asm__ volatile("fsub.d %0, %1, %2" : "=f"(r) : "f"(r), "f"(1.0));
    printf("0.1 * 10 - 1 unfused = %016lx\n", dbits(r));
}

static void dynamic_rounding(void)
{
    printf("-- dynamic rounding mode (frm) and fcsr\n");
    static const char *names[] = {"rne", "rtz", "rdn", "rup", "rmm"};
    for (unsigned long mode = 0; mode < 5; mode++) {
        double r;
        unsigned long back;
        __asm__ volatile("fsrm %0" : : "r"(mode));
        __asm__ volatile("fdiv.d %0, %1, %2, dyn" : "=f"(r) : "f"(-2.0), "f"(3.0));
        __asm__ volatile("frrm %0" : "=r"(back));
        printf("frm=%s: -2/3 = %016lx (frm reads %lu)\n", names[mode], dbits(r), back);
    }
    __asm__ volatile("fsrm zero");
    unsigned long fcsr;
    clear_flags();
    double r;
    __asm__ volatile("fdiv.d %0, %1, %2" : "=f"(r) : "f"(1.0), "f"(0.0));
    __asm__ volatile("frcsr %0" : "=r"(fcsr));
    printf("fcsr after 1/0 = %lx\n", fcsr);
}

static void formatted(void)
{
    printf("-- printf %%f\n");
    printf("%.2f %.0f %.0f %.0f %.3f\n", 3.14159, 0.5, 1.5, 2.5, -0.0005);
    printf("%f %f %.1f\n", 1e20, -0.0, 123456.789);
    printf("[%10.3f] [%-10.3f] [%010.3f] [%+.1f]\n", 3.14159, 3.14159, -3.14159, 2.0);
    printf("%f %f %f\n", from_bits(0x7ff0000000000000UL), from_bits(0xfff0000000000000UL),
           from_bits(0x7ff8000000000000UL));
}

int main(void)
{
    conversions_to_int();
    conversions_to_float();
    nans();
    nan_boxing();
    signed_zeros_and_division();
    dynamic_rounding();
    formatted();
    return 0;
}
