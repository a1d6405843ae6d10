/*
 * tls: thread-local variables of the main thread. crt0 copies the PT_TLS template and
 * points tp at it (Linux leaves that to the program), so this checks the initialised part
 * (.tdata), the zeroed part (.tbss), alignment, and that tp-relative stores stay private
 * to the block.
 */
#include "libc.h"

__thread int counter = 42;
__thread double ratio = 2.5;
__thread long zeroed;
__thread char text[24] = "thread-local";
__thread unsigned char big[200];
__thread long aligned_word __attribute__((aligned(32))) = 7;

int main(void)
{
    unsigned long tp;
    __asm__("mv %0, tp" : "=r"(tp));
    printf("tp set: %s\n", tp != 0 ? "yes" : "no");
    printf("counter = %d, ratio = %.2f, zeroed = %ld, text = \"%s\"\n", counter, ratio, zeroed, text);
    int all_zero = 1;
    for (unsigned i = 0; i < sizeof(big); i++) {
        all_zero &= big[i] == 0;
    }
    printf(".tbss array zeroed: %s\n", all_zero ? "yes" : "no");
    printf("aligned_word = %ld, 32-byte aligned: %s\n", aligned_word,
           ((uintptr_t)&aligned_word & 31) == 0 ? "yes" : "no");
    printf("counter lives at tp + %ld\n", (long)((uintptr_t)&counter - tp));
    for (int i = 0; i < 10; i++) {
        counter += i;
        big[i * 20] = (unsigned char)i;
    }
    zeroed = -1;
    ratio *= 3.0;
    strcpy(text, "changed");
    long sum = 0;
    for (unsigned i = 0; i < sizeof(big); i++) {
        sum += big[i];
    }
    printf("after: counter = %d, ratio = %.2f, zeroed = %ld, text = \"%s\", big sum = %ld\n", counter, ratio,
           zeroed, text, sum);
    return counter == 87 ? 0 : 1;
}
