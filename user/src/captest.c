/*
 * captest: the capability checks as a guest sees them. Every Linux-numbered call that acts on
 * an object is checked against the capability its handle is bound to (docs/capabilities.md,
 * "Enforcement"); this program binds its handles to forged, altered, attenuated, revoked and
 * foreign tokens and checks that no call gets through, then that the genuine tokens still
 * work. Each check prints how many attempts it made and how many were wrongly accepted.
 * The exit status is the number of failed checks (0: all held).
 *
 *   captest                 the checks (spawns two copies of itself)
 *   captest --spin          a child that waits to be killed
 *   captest --foreign HEX   a child that tries the parent's console token on its own stdout
 *
 * Uses Tessera's own calls throughout, so it runs only on Tessera.
 */
#include "libc.h"

#define FORGED 4000

static int failures;
static unsigned long rng = 0x9E3779B97F4A7C15ul;

static unsigned long next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void report(const char *what, long attempts, long accepted, int ok)
{
    printf("captest: %-44s %6ld attempts, %ld accepted: %s\n", what, attempts, accepted, ok ? "ok" : "FAILED");
    if (!ok) {
        failures++;
    }
}

static const char probe[] = "";

/* A write of zero bytes to fd 2 does nothing visible but is still checked. */
static long try_stderr(void)
{
    return sys_write(2, probe, 0);
}

static unsigned long parse_hex(const char *s)
{
    unsigned long v = 0;
    for (; *s; s++) {
        int d = *s >= 'a' ? *s - 'a' + 10 : *s - '0';
        v = v * 16 + (unsigned long)d;
    }
    return v;
}

static int child_foreign(const char *hex)
{
    long token = (long)parse_hex(hex);
    tessera_cap_bind(CAP_FD, 1, token);
    long r = sys_write(1, "foreign token accepted\n", 23);
    /* exit 0 only when the parent's token was refused here */
    return r == -EBADF ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--spin") == 0) {
        for (;;) {
            sys_sched_yield();
        }
    }
    if (argc == 3 && strcmp(argv[1], "--foreign") == 0) {
        return child_foreign(argv[2]);
    }

    const long out = tessera_cap_get(CAP_FD, 1);
    const long err = tessera_cap_get(CAP_FD, 2);
    const long self = tessera_cap_get(CAP_SELF, 0);
    const long aspace = tessera_cap_get(CAP_ASPACE, 0);
    report("initial tokens readable", 4, 0, out != 0 && err != 0 && self != 0 && aspace != 0 &&
        !(out < 0 && out > -4096) && !(err < 0 && err > -4096) && tessera_cap_get(CAP_FD, 0) == -EBADF);
    report("genuine stderr token works", 1, 0, try_stderr() == 0);

    /* 1. forged tokens: random 64-bit values */
    long accepted = 0;
    for (int i = 0; i < FORGED; i++) {
        tessera_cap_bind(CAP_FD, 2, (long)next_random());
        accepted += try_stderr() != -EBADF;
    }
    report("random 64-bit tokens on write", FORGED, accepted, accepted == 0);

    /* 2. a valid token with its type, flags or generation altered */
    long attempts = 0;
    accepted = 0;
    for (int field = 0; field < 3; field++) {
        int shift = field == 0 ? 0 : field == 1 ? 4 : 8;
        int values = field == 2 ? 256 : 16;
        for (int v = 1; v < values; v++) {
            tessera_cap_bind(CAP_FD, 2, err ^ ((long)v << shift));
            accepted += try_stderr() != -EBADF;
            attempts++;
        }
    }
    report("altered type, flags or generation", attempts, accepted, accepted == 0);

    /* 3. a valid capability of the wrong type */
    tessera_cap_bind(CAP_FD, 2, self);
    long r1 = try_stderr();
    tessera_cap_bind(CAP_FD, 2, aspace);
    long r2 = try_stderr();
    tessera_cap_bind(CAP_ASPACE, 0, err);
    void *m = sys_mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long r3 = sys_brk(0);
    tessera_cap_bind(CAP_ASPACE, 0, aspace);
    report("wrong type (process, space, endpoint)", 4, (r1 != -EBADF) + (r2 != -EBADF) +
        ((long)m != -EPERM) + (r3 != -EPERM), r1 == -EBADF && r2 == -EBADF && (long)m == -EPERM && r3 == -EPERM);

    /* 4. attenuation: a copy without SEND cannot write, and cannot be widened again */
    long recv_only = tessera_cap_derive(err, 0, CAP_FLAG_DERIVABLE);
    tessera_cap_bind(CAP_FD, 2, recv_only);
    long r4 = try_stderr();
    long widened = tessera_cap_derive(recv_only, CAP_ENDPOINT_SEND, CAP_FLAG_DERIVABLE);
    long more_flags = tessera_cap_derive(recv_only, 0, CAP_FLAG_DERIVABLE | CAP_FLAG_INHERITABLE);
    report("copy without SEND; derive to more rights", 3, (r4 != -EBADF) + (widened != -EPERM) +
        (more_flags != -EPERM), recv_only > 0 && r4 == -EBADF && widened == -EPERM && more_flags == -EPERM);

    /* 5. use after revoke, cascading to copies of copies */
    long copy = tessera_cap_derive(err, CAP_ENDPOINT_SEND, CAP_FLAG_DERIVABLE);
    long grandchild = tessera_cap_derive(copy, CAP_ENDPOINT_SEND, 0);
    tessera_cap_bind(CAP_FD, 2, grandchild);
    long before = try_stderr();
    long revoked = tessera_cap_revoke(copy);
    accepted = 0;
    for (int i = 0; i < 100; i++) {
        tessera_cap_bind(CAP_FD, 2, i % 2 ? copy : grandchild);
        accepted += try_stderr() != -EBADF;
    }
    report("use after revoke (copy and its copy)", 100, accepted,
        before == 0 && revoked == 2 && accepted == 0 && tessera_cap_delete(copy) == 0 &&
        tessera_cap_derive(copy, 0, 0) == -EBADF);
    tessera_cap_bind(CAP_FD, 2, err);

    /* 6. the address space: a copy without MAP refuses every memory call */
    long manage_only = tessera_cap_derive(aspace, CAP_ASPACE_MANAGE, CAP_FLAG_DERIVABLE);
    tessera_cap_bind(CAP_ASPACE, 0, manage_only);
    long mm = (long)sys_mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long mb = sys_brk(0);
    long mu = sys_munmap((void *)0x10000, 4096);
    long mp = sys_mprotect((void *)0x10000, 4096, PROT_READ);
    tessera_cap_bind(CAP_ASPACE, 0, aspace);
    char *page = sys_mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int mapped = !MAP_FAILED_CHECK(page);
    if (mapped) {
        page[0] = 1;
        mapped = sys_munmap(page, 4096) == 0;
    }
    report("address space copy without MAP", 4, (mm != -EPERM) + (mb != -EPERM) + (mu != -EPERM) +
        (mp != -EPERM), mm == -EPERM && mb == -EPERM && mu == -EPERM && mp == -EPERM && mapped);

    /* 7. spawn needs CONTROL of the caller itself */
    static char *spin_argv[] = {"captest", "--spin", 0};
    long no_control = tessera_cap_derive(self, CAP_PROCESS_SIGNAL, 0);
    tessera_cap_bind(CAP_SELF, 0, no_control);
    long denied_spawn = tessera_spawn("captest", spin_argv);
    tessera_cap_bind(CAP_SELF, 0, self);
    long child = tessera_spawn("captest", spin_argv);
    report("spawn without CONTROL", 1, denied_spawn != -EPERM, denied_spawn == -EPERM && child > 0);

    /* 8. kill names the child through the parent's capability for it */
    long child_cap = tessera_cap_get(CAP_CHILD, child);
    long no_signal = tessera_cap_derive(child_cap, CAP_PROCESS_CONTROL, 0);
    tessera_cap_bind(CAP_CHILD, child, no_signal);
    long k1 = sys_kill((pid_t)child, SIGKILL);
    int status = 0;
    long still = sys_wait4((pid_t)child, &status, 1 /* WNOHANG */, 0);
    long k2 = sys_kill((pid_t)(child + 1000), SIGKILL);
    tessera_cap_bind(CAP_CHILD, child, child_cap);
    long only_signal = tessera_cap_derive(child_cap, CAP_PROCESS_SIGNAL, 0);
    tessera_cap_bind(CAP_CHILD, child, only_signal);
    long w1 = sys_wait4((pid_t)child, &status, 1 /* WNOHANG */, 0);
    tessera_cap_bind(CAP_CHILD, child, child_cap);
    long k3 = sys_kill((pid_t)child, SIGKILL);
    long reaped = sys_wait4((pid_t)child, &status, 0, 0);
    long after = tessera_cap_get(CAP_CHILD, child);
    report("kill without SIGNAL, wait without CONTROL", 3, (k1 != -EPERM) + (k2 != -ESRCH) + (w1 != -EPERM),
        child_cap > 0 && k1 == -EPERM && still == 0 && k2 == -ESRCH && w1 == -EPERM && k3 == 0 && reaped == child &&
        WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && after == -ESRCH);

    /* 9. a token of another process */
    char hex[17];
    snprintf(hex, sizeof hex, "%lx", (unsigned long)out);
    char *foreign_argv[] = {"captest", "--foreign", hex, 0};
    long foreign = tessera_spawn("captest", foreign_argv);
    long got = sys_wait4((pid_t)foreign, &status, 0, 0);
    report("parent's token used by a child", 1, !(WIFEXITED(status) && WEXITSTATUS(status) == 0),
        foreign > 0 && got == foreign && WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* 10. after all that, the genuine tokens still work */
    report("genuine tokens still work", 1, 0, try_stderr() == 0 && tessera_cap_get(CAP_FD, 2) == err);
    if (failures == 0) {
        printf("captest: all checks held\n");
    }
    return failures;
}
