/*
 * workers: the multi-process demo. The parent spawns N copies of this program (by its name
 * in the boot image, through Tessera's spawn call), worker k counts the primes in
 * [k * SPAN, (k + 1) * SPAN) and exits with that count as its status (at most 168 for a
 * span of 1000, so it fits the 8 bits of an exit status). The parent reaps them all with
 * wait4, prints the counts in worker order, adds them up and checks the total against its
 * own sieve.
 *
 *   workers [N]                 parent, N workers (default 4, at most 16)
 *   workers --worker K          one worker (runs under qemu-riscv64 too)
 *
 * spawn has no Linux counterpart, so the parent mode runs only on Tessera.
 */
#include "libc.h"

#define SPAN 1000
#define MAX_WORKERS 16

static int is_prime(long n)
{
    if (n < 2) {
        return 0;
    }
    for (long d = 2; d * d <= n; d++) {
        if (n % d == 0) {
            return 0;
        }
    }
    return 1;
}

static int count_primes(long from, long to)
{
    int count = 0;
    for (long n = from; n < to; n++) {
        count += is_prime(n);
    }
    return count;
}

static int sieve_count(long limit)
{
    char *composite = calloc((size_t)limit, 1);
    int count = 0;
    if (composite == NULL) {
        return -1;
    }
    for (long i = 2; i < limit; i++) {
        if (!composite[i]) {
            count++;
            for (long j = i * i; j < limit; j += i) {
                composite[j] = 1;
            }
        }
    }
    free(composite);
    return count;
}

/* A worker prints nothing: with workers on several CPUs the order of their lines would
   depend on timing, and the demo's output must not. Its exit status is its answer. */
static int run_worker(long k)
{
    return count_primes(k * SPAN, (k + 1) * SPAN);
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--worker") == 0) {
        return run_worker(atol(argv[2]));
    }
    long n = argc >= 2 ? atol(argv[1]) : 4;
    if (n < 1 || n > MAX_WORKERS) {
        printf("workers: worker count must be 1..%d\n", MAX_WORKERS);
        return 2;
    }
    printf("workers: spawning %ld workers\n", n);
    long pids[MAX_WORKERS];
    int counts[MAX_WORKERS];
    for (long k = 0; k < n; k++) {
        char index[24];
        snprintf(index, sizeof(index), "%ld", k);
        char *child_argv[] = {"workers", "--worker", index, NULL};
        pids[k] = tessera_spawn("workers", child_argv);
        counts[k] = -1;
        if (pids[k] < 0) {
            printf("workers: spawn of worker %ld failed: error %ld\n", k, -pids[k]);
            return 1;
        }
    }
    long total = 0;
    for (long reaped = 0; reaped < n; reaped++) {
        int status = 0;
        long pid = sys_wait4(-1, &status, 0, NULL);
        if (pid < 0) {
            printf("workers: wait4 failed: error %ld\n", -pid);
            return 1;
        }
        long k = 0;
        while (k < n && pids[k] != pid) {
            k++;
        }
        if (k == n) {
            printf("workers: wait4 returned a pid that is not one of the workers\n");
            return 1;
        }
        if (!WIFEXITED(status)) {
            printf("workers: worker %ld died by signal %d\n", k, WTERMSIG(status));
            return 1;
        }
        counts[k] = WEXITSTATUS(status);
        total += counts[k];
    }
    /* Reported in worker order, whatever order they finished in. */
    for (long k = 0; k < n; k++) {
        printf("worker %ld: %d primes in [%ld, %ld)\n", k, counts[k], k * SPAN, (k + 1) * SPAN);
    }
    int expected = sieve_count(n * SPAN);
    printf("workers: collected %ld workers, %ld primes below %ld (sieve says %d): %s\n", n, total,
           n * SPAN, expected, total == expected ? "ok" : "MISMATCH");
    return total == expected ? 0 : 1;
}
