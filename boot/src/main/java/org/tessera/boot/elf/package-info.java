/**
 * Loading user programs: parsing and validating ELF64 RISC-V executables ({@link
 * org.tessera.boot.elf.ElfFile}) and laying out the Linux-compatible initial stack a program
 * starts on ({@link org.tessera.boot.elf.InitialStack}).
 *
 * <p>Host code, outside the kernel subset: it runs when an image is built or a program is
 * started, never on a CPU loop. Everything it hands to the kernel is plain numbers and byte
 * arrays (segment contents, the stack image), which the VM service maps.
 *
 * <p>Only static programs are accepted: {@code ET_EXEC}, and {@code ET_DYN} without {@code
 * PT_INTERP} (static-pie). As on Linux, a static-pie is placed at a load bias and its
 * relocations are applied by its own startup code, not by the loader (see {@code
 * user/README.md}).
 */
package org.tessera.boot.elf;
