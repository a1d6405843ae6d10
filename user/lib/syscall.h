/*
 * Raw system-call interface of the Tessera user runtime.
 *
 * The ABI is the Linux RISC-V one: number in a7, arguments in a0..a5, result in a0,
 * a negative errno on failure. Calls that have a Linux RISC-V counterpart use its number,
 * so a program that uses only those runs unchanged under qemu-riscv64. Tessera's own calls
 * live at TESSERA_SYSCALL_BASE (4096) and above, far from the Linux table (docs/syscalls.md).
 */
#ifndef TESSERA_SYSCALL_H
#define TESSERA_SYSCALL_H

typedef unsigned long size_t;
typedef long ssize_t;
typedef long off_t;
typedef int pid_t;

/* Linux RISC-V (asm-generic) numbers. */
#define SYS_nanosleep      101
#define SYS_clock_gettime  113
#define SYS_sched_yield    124
#define SYS_kill           129
#define SYS_write           64
#define SYS_exit            93
#define SYS_exit_group      94
#define SYS_getpid         172
#define SYS_gettid         178
#define SYS_brk            214
#define SYS_munmap         215
#define SYS_mmap           222
#define SYS_mprotect       226
#define SYS_wait4          260

/* Tessera's own range. */
#define TESSERA_SYSCALL_BASE 4096
#define SYS_tessera_spawn  (TESSERA_SYSCALL_BASE + 0)
#define SYS_tessera_cap_get    (TESSERA_SYSCALL_BASE + 1)
#define SYS_tessera_cap_bind   (TESSERA_SYSCALL_BASE + 2)
#define SYS_tessera_cap_derive (TESSERA_SYSCALL_BASE + 3)
#define SYS_tessera_cap_revoke (TESSERA_SYSCALL_BASE + 4)
#define SYS_tessera_cap_delete (TESSERA_SYSCALL_BASE + 5)

/* Handles of the capability calls (docs/capabilities.md, "Enforcement"). */
#define CAP_FD     0   /* arg: descriptor 0, 1 or 2 */
#define CAP_SELF   1   /* the calling process */
#define CAP_ASPACE 2   /* its address space */
#define CAP_CHILD  3   /* arg: a child's pid */

/* Rights per capability type and token flags (as the kernel's Rights and CapabilityToken). */
#define CAP_ENDPOINT_SEND    1
#define CAP_ENDPOINT_RECEIVE 2
#define CAP_PROCESS_CONTROL  1
#define CAP_PROCESS_DEBUG    2
#define CAP_PROCESS_SIGNAL   4
#define CAP_ASPACE_MAP       1
#define CAP_ASPACE_MANAGE    2
#define CAP_FLAG_INHERITABLE 1
#define CAP_FLAG_SURVIVES_EXEC 2
#define CAP_FLAG_GRANTABLE   4
#define CAP_FLAG_DERIVABLE   8

/* errno values returned negated. */
#define EPERM    1
#define ENOENT   2
#define ESRCH    3
#define EINTR    4
#define EBADF    9
#define ECHILD  10
#define EAGAIN  11
#define ENOMEM  12
#define EFAULT  14
#define EINVAL  22
#define ENOSPC  28
#define ENOSYS  38

#define PROT_NONE   0x0
#define PROT_READ   0x1
#define PROT_WRITE  0x2
#define PROT_EXEC   0x4
#define MAP_SHARED    0x01
#define MAP_PRIVATE   0x02
#define MAP_FIXED     0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FAILED_CHECK(p) ((unsigned long)(p) > (unsigned long)-4096)

#define CLOCK_REALTIME  0
#define CLOCK_MONOTONIC 1

#define SIGKILL  9
#define SIGSEGV 11
#define SIGTERM 15

/* Exit status decoding, as in <sys/wait.h>. */
#define WIFEXITED(s)   (((s) & 0x7f) == 0)
#define WEXITSTATUS(s) (((s) >> 8) & 0xff)
#define WIFSIGNALED(s) (((s) & 0x7f) != 0 && ((s) & 0x7f) != 0x7f)
#define WTERMSIG(s)    ((s) & 0x7f)

struct timespec {
    long tv_sec;
    long tv_nsec;
};

/*
 * The stubs are inline so that the number and arguments go straight into the argument
 * registers; the "memory" clobber stops the compiler from caching memory the kernel may
 * read or write across the call.
 */
static inline long __syscall6(long n, long a, long b, long c, long d, long e, long f)
{
    register long a7 __asm__("a7") = n;
    register long a0 __asm__("a0") = a;
    register long a1 __asm__("a1") = b;
    register long a2 __asm__("a2") = c;
    register long a3 __asm__("a3") = d;
    register long a4 __asm__("a4") = e;
    register long a5 __asm__("a5") = f;
    __asm__ volatile("ecall"
                     : "+r"(a0)
                     : "r"(a7), "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5)
                     : "memory");
    return a0;
}

static inline long __syscall0(long n) { return __syscall6(n, 0, 0, 0, 0, 0, 0); }
static inline long __syscall1(long n, long a) { return __syscall6(n, a, 0, 0, 0, 0, 0); }
static inline long __syscall2(long n, long a, long b) { return __syscall6(n, a, b, 0, 0, 0, 0); }
static inline long __syscall3(long n, long a, long b, long c) { return __syscall6(n, a, b, c, 0, 0, 0); }
static inline long __syscall4(long n, long a, long b, long c, long d) { return __syscall6(n, a, b, c, d, 0, 0); }

/*
 * Typed wrappers (syscall.c). None of them touches an errno: every one returns the raw
 * kernel result, a negative errno on failure.
 */
long sys_write(int fd, const void *buf, size_t len);
__attribute__((noreturn)) void sys_exit(int status);
__attribute__((noreturn)) void sys_exit_group(int status);
long sys_getpid(void);
long sys_gettid(void);
long sys_sched_yield(void);
long sys_clock_gettime(int clock, struct timespec *ts);
long sys_nanosleep(const struct timespec *req, struct timespec *rem);
long sys_brk(void *addr);
void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
long sys_munmap(void *addr, size_t len);
long sys_mprotect(void *addr, size_t len, int prot);
long sys_wait4(pid_t pid, int *status, int options, void *rusage);
long sys_kill(pid_t pid, int sig);
long sys_raw(long n, long a, long b, long c, long d, long e, long f);

/*
 * Tessera: start the program called name in the boot image as a new process with argv
 * (NULL-terminated, argv[0] included). Returns the child's pid or a negative errno.
 * Has no Linux counterpart: under qemu-riscv64 it returns -ENOSYS.
 */
long tessera_spawn(const char *name, char *const argv[]);

/*
 * Tessera capabilities. A token is a 64-bit value; every Linux-numbered call that acts on an
 * object (write on a descriptor, kill, brk/mmap/munmap/mprotect, spawn) is checked against the
 * capability its handle is bound to. A token is never in [-4095, -1], so a negative result in
 * that range is an errno. Inline, so that programs not using them stay as they were.
 *   tessera_cap_get(which, arg)          the token a handle is bound to (-EBADF/-ESRCH: none)
 *   tessera_cap_bind(which, arg, token)  bind a handle to any value (checked when used)
 *   tessera_cap_derive(token, rights, flags)  a copy with at most the parent's rights and flags
 *   tessera_cap_revoke(token)            revoke it and every copy made from it; returns how many
 *   tessera_cap_delete(token)            drop this copy (copies made from it stay)
 */
static inline long tessera_cap_get(int which, long arg)
{
    return __syscall2(SYS_tessera_cap_get, which, arg);
}
static inline long tessera_cap_bind(int which, long arg, long token)
{
    return __syscall3(SYS_tessera_cap_bind, which, arg, token);
}
static inline long tessera_cap_derive(long token, int rights, int flags)
{
    return __syscall3(SYS_tessera_cap_derive, token, rights, flags);
}
static inline long tessera_cap_revoke(long token)
{
    return __syscall1(SYS_tessera_cap_revoke, token);
}
static inline long tessera_cap_delete(long token)
{
    return __syscall1(SYS_tessera_cap_delete, token);
}

#endif
