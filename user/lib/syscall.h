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

#endif
