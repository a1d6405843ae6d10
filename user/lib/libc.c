/* See libc.h. Compiled with -fno-tree-loop-distribute-patterns so that the loops of
   memset/memcpy are not turned back into calls to themselves. */
#include "libc.h"

/* ---------------------------------------------------------------- strings and memory */

size_t strlen(const char *s)
{
    const char *p = s;
    while (*p != 0) {
        p++;
    }
    return (size_t)(p - s);
}

int strcmp(const char *a, const char *b)
{
    while (*a != 0 && *a == *b) {
        a++;
        b++;
    }
    return (int)(unsigned char)*a - (int)(unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n != 0; n--, a++, b++) {
        if (*a != *b || *a == 0) {
            return (int)(unsigned char)*a - (int)(unsigned char)*b;
        }
    }
    return 0;
}

char *strcpy(char *dst, const char *src)
{
    char *d = dst;
    while ((*d++ = *src++) != 0) {
    }
    return dst;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c) {
            return (char *)s;
        }
        if (*s == 0) {
            return NULL;
        }
    }
}

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    /* Word copies when both are 8-aligned: memcpy is hot in the memory program. */
    if ((((uintptr_t)d | (uintptr_t)s) & 7) == 0) {
        for (; n >= 8; n -= 8, d += 8, s += 8) {
            *(uint64_t *)d = *(const uint64_t *)s;
        }
    }
    while (n-- != 0) {
        *d++ = *s++;
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    if (((uintptr_t)d & 7) == 0) {
        uint64_t w = (unsigned char)c * 0x0101010101010101UL;
        for (; n >= 8; n -= 8, d += 8) {
            *(uint64_t *)d = w;
        }
    }
    while (n-- != 0) {
        *d++ = (unsigned char)c;
    }
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0) {
        return dst;
    }
    if (d < s || d >= s + n) {
        return memcpy(dst, src, n);
    }
    while (n-- != 0) {
        d[n] = s[n];
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a;
    const unsigned char *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            return (int)x[i] - (int)y[i];
        }
    }
    return 0;
}

long atol(const char *s)
{
    long sign = 1;
    long v = 0;
    if (*s == '-') {
        sign = -1;
        s++;
    }
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (*s++ - '0');
    }
    return sign * v;
}

char *getenv(const char *name)
{
    size_t n = strlen(name);
    if (environ == NULL) {
        return NULL;
    }
    for (char **e = environ; *e != NULL; e++) {
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') {
            return *e + n + 1;
        }
    }
    return NULL;
}

/* ---------------------------------------------------------------- console output */

static char out_buf[256];
static size_t out_len;

static void write_all(int fd, const char *p, size_t n)
{
    while (n != 0) {
        long r = sys_write(fd, p, n);
        if (r <= 0) {
            return; /* nowhere to report it: the console is the only channel */
        }
        p += r;
        n -= (size_t)r;
    }
}

void fflush_stdout(void)
{
    write_all(1, out_buf, out_len);
    out_len = 0;
}

static void out_char(char c)
{
    out_buf[out_len++] = c;
    if (c == '\n' || out_len == sizeof(out_buf)) {
        fflush_stdout();
    }
}

int putchar(int c)
{
    out_char((char)c);
    return (unsigned char)c;
}

int puts(const char *s)
{
    while (*s != 0) {
        out_char(*s++);
    }
    out_char('\n');
    return 0;
}

/* ---------------------------------------------------------------- formatting */

/* A sink receives the formatted characters; count is what vsnprintf reports. */
struct sink {
    void (*put)(struct sink *, char);
    char *buf;
    size_t cap;
    size_t count;
    int fd;
};

static void put_stdout(struct sink *s, char c)
{
    s->count++;
    out_char(c);
}

static void put_buffer(struct sink *s, char c)
{
    if (s->cap != 0 && s->count < s->cap - 1) {
        s->buf[s->count] = c;
    }
    s->count++;
}

static void put_fd(struct sink *s, char c)
{
    /* Unbuffered but batched through the caller's small buffer: see dprintf. */
    if (s->count % 128 == 0 && s->count != 0) {
        write_all(s->fd, s->buf, 128);
    }
    s->buf[s->count % 128] = c;
    s->count++;
}

#define F_LEFT 1
#define F_ZERO 2
#define F_PLUS 4
#define F_SPACE 8

static void emit_padded(struct sink *s, const char *prefix, const char *body, size_t body_len,
                        int width, int flags)
{
    size_t plen = strlen(prefix);
    int pad = width - (int)(plen + body_len);
    if (!(flags & F_LEFT) && !(flags & F_ZERO)) {
        for (; pad > 0; pad--) {
            s->put(s, ' ');
        }
    }
    for (size_t i = 0; i < plen; i++) {
        s->put(s, prefix[i]);
    }
    if (!(flags & F_LEFT) && (flags & F_ZERO)) {
        for (; pad > 0; pad--) {
            s->put(s, '0');
        }
    }
    for (size_t i = 0; i < body_len; i++) {
        s->put(s, body[i]);
    }
    for (; pad > 0; pad--) {
        s->put(s, ' ');
    }
}

static void fmt_integer(struct sink *s, unsigned long v, int negative, unsigned base, int upper,
                        int width, int precision, int flags, const char *prefix_in)
{
    char digits[32];
    char body[96];
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    size_t n = 0;
    while (v != 0) {
        digits[n++] = set[v % base];
        v /= base;
    }
    size_t len = 0;
    /* C: precision is the minimum digit count; precision 0 with value 0 prints nothing. */
    int min_digits = precision < 0 ? 1 : precision;
    if (min_digits > 64) {
        min_digits = 64;
    }
    for (int i = (int)n; i < min_digits; i++) {
        body[len++] = '0';
    }
    while (n != 0) {
        body[len++] = digits[--n];
    }
    char prefix[4];
    size_t p = 0;
    if (negative) {
        prefix[p++] = '-';
    } else if (flags & F_PLUS) {
        prefix[p++] = '+';
    } else if (flags & F_SPACE) {
        prefix[p++] = ' ';
    }
    for (const char *q = prefix_in; *q != 0; q++) {
        prefix[p++] = *q;
    }
    prefix[p] = 0;
    /* With a precision, the 0 flag is ignored for integers. */
    emit_padded(s, prefix, body, len, width, precision >= 0 ? flags & ~F_ZERO : flags);
}

static void fmt_double(struct sink *s, double v, int width, int precision, int flags)
{
    union {
        double d;
        uint64_t u;
    } bits = {v};
    int negative = (int)(bits.u >> 63);
    uint64_t exponent = (bits.u >> 52) & 0x7ff;
    uint64_t mantissa = bits.u & 0xfffffffffffffUL;
    char prefix[2] = {0, 0};
    if (negative) {
        prefix[0] = '-';
    } else if (flags & F_PLUS) {
        prefix[0] = '+';
    } else if (flags & F_SPACE) {
        prefix[0] = ' ';
    }
    if (exponent == 0x7ff) {
        const char *word = mantissa != 0 ? "nan" : "inf";
        emit_padded(s, prefix, word, 3, width, flags & ~F_ZERO);
        return;
    }
    if (precision < 0) {
        precision = 6;
    }
    if (precision > 17) {
        precision = 17;
    }
    double a = negative ? -v : v;
    /* Beyond 2^64 the integer part does not fit: scale down and print trailing zeros.
       Approximate in the low digits, but the same bits always print the same text. */
    int zeros = 0;
    while (a >= 1e19) {
        a /= 10.0;
        zeros++;
    }
    uint64_t ip = (uint64_t)a;
    double frac = a - (double)ip;
    uint64_t scale = 1;
    for (int i = 0; i < precision; i++) {
        scale *= 10;
    }
    /* frac * scale exactly is scaled + error (the fused multiply-add gives the error of
       the product exactly), so ties are judged on the true value: 0.0005 is really
       0.000500000000000000010..., above the tie at three decimals. */
    double scaled = frac * (double)scale;
    double error = __builtin_fma(frac, (double)scale, -scaled);
    uint64_t fp = (uint64_t)scaled;
    double rest = scaled - (double)fp;
    /* Ties go to the even last digit, which with no decimals is the integer part's. */
    uint64_t last = precision > 0 ? fp : ip;
    if (rest > 0.5 || (rest == 0.5 && (error > 0.0 || (error == 0.0 && (last & 1) != 0)))) {
        fp++;
    }
    if (fp >= scale) {
        fp -= scale;
        ip++;
    }
    char body[352]; /* 20 integer digits + up to 289 scaled-away zeros + '.' + 17 */
    char tmp[24];
    size_t len = 0;
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip != 0);
    while (n != 0) {
        body[len++] = tmp[--n];
    }
    for (; zeros > 0; zeros--) {
        body[len++] = '0';
    }
    if (precision > 0) {
        body[len++] = '.';
        for (int i = precision - 1; i >= 0; i--) {
            body[len + (size_t)i] = (char)('0' + fp % 10);
            fp /= 10;
        }
        len += (size_t)precision;
    }
    emit_padded(s, prefix, body, len, width, flags);
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
    for (; *fmt != 0; fmt++) {
        if (*fmt != '%') {
            s->put(s, *fmt);
            continue;
        }
        fmt++;
        int flags = 0;
        for (;; fmt++) {
            if (*fmt == '-') {
                flags |= F_LEFT;
            } else if (*fmt == '0') {
                flags |= F_ZERO;
            } else if (*fmt == '+') {
                flags |= F_PLUS;
            } else if (*fmt == ' ') {
                flags |= F_SPACE;
            } else {
                break;
            }
        }
        int width = 0;
        if (*fmt == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                flags |= F_LEFT;
                width = -width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9') {
                width = width * 10 + (*fmt++ - '0');
            }
        }
        int precision = -1;
        if (*fmt == '.') {
            fmt++;
            precision = 0;
            if (*fmt == '*') {
                precision = va_arg(ap, int);
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9') {
                    precision = precision * 10 + (*fmt++ - '0');
                }
            }
        }
        int longs = 0; /* 0 int, 1 long, 2 long long; h and hh narrow */
        int shorts = 0;
        for (;; fmt++) {
            if (*fmt == 'l') {
                longs++;
            } else if (*fmt == 'z') {
                longs = 1;
            } else if (*fmt == 'h') {
                shorts++;
            } else {
                break;
            }
        }
        char c = *fmt;
        if (c == 0) {
            return;
        }
        if (c == 'd' || c == 'i') {
            long v = longs != 0 ? va_arg(ap, long) : (long)va_arg(ap, int);
            if (shorts == 1) {
                v = (short)v;
            } else if (shorts >= 2) {
                v = (signed char)v;
            }
            unsigned long mag = v < 0 ? (unsigned long)0 - (unsigned long)v : (unsigned long)v;
            fmt_integer(s, mag, v < 0, 10, 0, width, precision, flags, "");
        } else if (c == 'u' || c == 'x' || c == 'X' || c == 'o') {
            unsigned long v = longs != 0 ? va_arg(ap, unsigned long) : (unsigned long)va_arg(ap, unsigned int);
            if (shorts == 1) {
                v = (unsigned short)v;
            } else if (shorts >= 2) {
                v = (unsigned char)v;
            }
            unsigned base = c == 'u' ? 10 : c == 'o' ? 8 : 16;
            fmt_integer(s, v, 0, base, c == 'X', width, precision, flags & ~(F_PLUS | F_SPACE), "");
        } else if (c == 'p') {
            unsigned long v = (unsigned long)va_arg(ap, void *);
            fmt_integer(s, v, 0, 16, 0, width, precision, flags & ~(F_PLUS | F_SPACE), "0x");
        } else if (c == 's') {
            const char *str = va_arg(ap, const char *);
            if (str == NULL) {
                str = "(null)";
            }
            size_t len = 0;
            while (str[len] != 0 && (precision < 0 || len < (size_t)precision)) {
                len++;
            }
            emit_padded(s, "", str, len, width, flags & ~F_ZERO);
        } else if (c == 'c') {
            char ch = (char)va_arg(ap, int);
            emit_padded(s, "", &ch, 1, width, flags & ~F_ZERO);
        } else if (c == 'f' || c == 'F') {
            fmt_double(s, va_arg(ap, double), width, precision, flags);
        } else if (c == '%') {
            s->put(s, '%');
        } else {
            /* Unknown conversion: show it verbatim so the mistake is visible. */
            s->put(s, '%');
            s->put(s, c);
        }
    }
}

int vprintf(const char *fmt, va_list ap)
{
    struct sink s = {put_stdout, NULL, 0, 0, 1};
    format(&s, fmt, ap);
    return (int)s.count;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct sink s = {put_buffer, buf, size, 0, -1};
    format(&s, fmt, ap);
    if (size != 0) {
        buf[s.count < size ? s.count : size - 1] = 0;
    }
    return (int)s.count;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int dprintf(int fd, const char *fmt, ...)
{
    char buf[128];
    struct sink s = {put_fd, buf, sizeof(buf), 0, fd};
    if (fd == 1) {
        fflush_stdout(); /* keep descriptor 1 in program order */
    }
    va_list ap;
    va_start(ap, fmt);
    format(&s, fmt, ap);
    va_end(ap);
    size_t tail = s.count % 128;
    if (tail == 0 && s.count != 0) {
        tail = 128;
    }
    write_all(fd, buf, tail);
    return (int)s.count;
}

/* ---------------------------------------------------------------- heap over brk */

/*
 * Every block carries a 16-byte header holding its payload size, so payloads stay
 * 16-aligned. Freed blocks go on a first-fit list; the break only grows, in 64 KiB steps.
 */
struct block {
    size_t size;
    struct block *next;
};

static char *heap_cur;
static char *heap_end;
static struct block *free_list;

#define HEAP_STEP 65536UL

void *malloc(size_t n)
{
    if (n > (1UL << 40)) {
        return NULL;
    }
    n = n == 0 ? 16 : (n + 15) & ~15UL;
    for (struct block **link = &free_list; *link != NULL; link = &(*link)->next) {
        struct block *b = *link;
        if (b->size >= n) {
            *link = b->next;
            return (char *)b + sizeof(struct block);
        }
    }
    if (heap_cur == NULL) {
        heap_cur = (char *)sys_brk(NULL);
        heap_cur = (char *)(((uintptr_t)heap_cur + 15) & ~15UL);
        heap_end = heap_cur;
    }
    size_t need = n + sizeof(struct block);
    if (heap_cur + need > heap_end) {
        char *want = (char *)(((uintptr_t)heap_cur + need + HEAP_STEP - 1) & ~(HEAP_STEP - 1));
        char *got = (char *)sys_brk(want);
        if (got < want) {
            return NULL;
        }
        heap_end = got;
    }
    struct block *b = (struct block *)heap_cur;
    b->size = n;
    b->next = NULL;
    heap_cur += need;
    return (char *)b + sizeof(struct block);
}

void free(void *p)
{
    if (p == NULL) {
        return;
    }
    struct block *b = (struct block *)((char *)p - sizeof(struct block));
    b->next = free_list;
    free_list = b;
}

void *calloc(size_t count, size_t size)
{
    if (size != 0 && count > ((size_t)-1) / size) {
        return NULL;
    }
    void *p = malloc(count * size);
    if (p != NULL) {
        memset(p, 0, count * size);
    }
    return p;
}

void *realloc(void *p, size_t n)
{
    if (p == NULL) {
        return malloc(n);
    }
    struct block *b = (struct block *)((char *)p - sizeof(struct block));
    if (b->size >= n) {
        return p;
    }
    void *q = malloc(n);
    if (q != NULL) {
        memcpy(q, p, b->size);
        free(p);
    }
    return q;
}

/* ---------------------------------------------------------------- exit */

void exit(int status)
{
    fflush_stdout();
    sys_exit_group(status);
}
