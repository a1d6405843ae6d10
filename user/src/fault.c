/*
 * fault: stores to an unmapped address near NULL, so the kernel must end it with SIGSEGV
 * (exit status 128 + 11 = 139 as a shell reports it) and carry on.
 */
#include "libc.h"

int main(void)
{
    printf("about to store to address 0x10\n");
    volatile int *p = (volatile int *)0x10;
    /* Hide the constant from the optimiser, which would otherwise reject or drop the store. */
    __asm__ volatile("" : "+r"(p));
    *p = 42;
    printf("still alive after the store: the fault was not delivered\n");
    return 1;
}
