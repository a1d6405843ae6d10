/* Typed system-call wrappers; see syscall.h for the ABI. */
#include "syscall.h"

long sys_write(int fd, const void *buf, size_t len) { return __syscall3(SYS_write, fd, (long)buf, (long)len); }

void sys_exit(int status)
{
    __syscall1(SYS_exit, status);
    for (;;) {
    }
}

void sys_exit_group(int status)
{
    __syscall1(SYS_exit_group, status);
    for (;;) {
    }
}

long sys_getpid(void) { return __syscall0(SYS_getpid); }
long sys_gettid(void) { return __syscall0(SYS_gettid); }
long sys_sched_yield(void) { return __syscall0(SYS_sched_yield); }
long sys_clock_gettime(int clock, struct timespec *ts) { return __syscall2(SYS_clock_gettime, clock, (long)ts); }
long sys_nanosleep(const struct timespec *req, struct timespec *rem) { return __syscall2(SYS_nanosleep, (long)req, (long)rem); }
long sys_brk(void *addr) { return __syscall1(SYS_brk, (long)addr); }

void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    return (void *)__syscall6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, off);
}

long sys_munmap(void *addr, size_t len) { return __syscall2(SYS_munmap, (long)addr, (long)len); }
long sys_mprotect(void *addr, size_t len, int prot) { return __syscall3(SYS_mprotect, (long)addr, (long)len, prot); }
long sys_wait4(pid_t pid, int *status, int options, void *rusage) { return __syscall4(SYS_wait4, pid, (long)status, options, (long)rusage); }
long sys_kill(pid_t pid, int sig) { return __syscall2(SYS_kill, pid, sig); }
long sys_raw(long n, long a, long b, long c, long d, long e, long f) { return __syscall6(n, a, b, c, d, e, f); }
long tessera_spawn(const char *name, char *const argv[]) { return __syscall2(SYS_tessera_spawn, (long)name, (long)argv); }
