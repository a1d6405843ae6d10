/*
 * cpubound: deterministic integer and floating-point work with checksums, for the engine's
 * conformance and speed (bench cpu). Each round runs a sieve, a double-precision matrix
 * multiply and a Mandelbrot count; the checksums depend only on the round count.
 *
 *   cpubound [ROUNDS]      default 40 (about a second under qemu-riscv64)
 */
#include "libc.h"

#define SIEVE_LIMIT 200000
#define N 48
#define MANDEL_W 96
#define MANDEL_H 64
#define MANDEL_ITER 200

static unsigned char composite[SIEVE_LIMIT];
static double a[N][N], b[N][N], c[N][N];

static uint64_t sieve(int round)
{
    memset(composite, 0, sizeof(composite));
    uint64_t count = 0;
    uint64_t hash = (uint64_t)round;
    for (long i = 2; i < SIEVE_LIMIT; i++) {
        if (!composite[i]) {
            count++;
            hash = hash * 31 + (uint64_t)i;
            for (long j = i * i; j < SIEVE_LIMIT; j += i) {
                composite[j] = 1;
            }
        }
    }
    return hash ^ (count << 40);
}

static double matmul(int round)
{
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++) {
            a[i][j] = (double)((i * 7 + j * 3 + round) % 17) / 8.0 - 1.0;
            b[i][j] = (double)((i * 5 + j * 11 + round) % 13) / 6.5 - 1.0;
        }
    }
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++) {
            double s = 0.0;
            for (int k = 0; k < N; k++) {
                s += a[i][k] * b[k][j];
            }
            c[i][j] = s;
        }
    }
    double trace = 0.0;
    for (int i = 0; i < N; i++) {
        trace += c[i][i] * (double)(i + 1);
    }
    return trace;
}

static long mandelbrot(int round)
{
    long inside = 0;
    double shift = (double)round * 0.001;
    for (int y = 0; y < MANDEL_H; y++) {
        for (int x = 0; x < MANDEL_W; x++) {
            double cr = -2.0 + 2.6 * x / MANDEL_W + shift;
            double ci = -1.2 + 2.4 * y / MANDEL_H;
            double zr = 0.0, zi = 0.0;
            int it = 0;
            while (it < MANDEL_ITER && zr * zr + zi * zi <= 4.0) {
                double t = zr * zr - zi * zi + cr;
                zi = 2.0 * zr * zi + ci;
                zr = t;
                it++;
            }
            inside += it == MANDEL_ITER ? 1 : 0;
        }
    }
    return inside;
}

int main(int argc, char **argv)
{
    long rounds = argc >= 2 ? atol(argv[1]) : 40;
    if (rounds < 1) {
        printf("cpubound: rounds must be positive\n");
        return 2;
    }
    uint64_t int_sum = 0;
    double fp_sum = 0.0;
    long mandel_sum = 0;
    for (int r = 0; r < rounds; r++) {
        int_sum = int_sum * 1000003 + sieve(r);
        fp_sum += matmul(r);
        mandel_sum += mandelbrot(r);
    }
    union {
        double d;
        uint64_t u;
    } bits = {fp_sum};
    printf("cpubound: %ld rounds\n", rounds);
    printf("sieve checksum      %016lx\n", int_sum);
    printf("matmul checksum     %.6f (bits %016lx)\n", fp_sum, bits.u);
    printf("mandelbrot inside   %ld\n", mandel_sum);
    return 0;
}
