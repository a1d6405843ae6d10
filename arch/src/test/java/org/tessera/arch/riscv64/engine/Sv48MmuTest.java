package org.tessera.arch.riscv64.engine;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tessera.arch.spi.PhysicalMemory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.tessera.arch.riscv64.engine.Asm.*;
import static org.tessera.arch.riscv64.engine.GuestMemory.ACCESS_FAULT;
import static org.tessera.arch.riscv64.engine.GuestMemory.AMO;
import static org.tessera.arch.riscv64.engine.GuestMemory.FETCH;
import static org.tessera.arch.riscv64.engine.GuestMemory.LOAD;
import static org.tessera.arch.riscv64.engine.GuestMemory.PAGE_FAULT;
import static org.tessera.arch.riscv64.engine.GuestMemory.STORE;
import static org.tessera.arch.riscv64.engine.Sv48Mmu.*;

/** Sv48 walks (4 KiB, 2 MiB, 1 GiB leaves), U/A/D and permission checks, the ASID-tagged TLB. */
class Sv48MmuTest
{
    private static final long MEMORY = 8L << 20;
    private static final long URWX = PTE_V | PTE_U | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;

    private final PhysicalMemory memory = new PhysicalMemory(MEMORY);
    private final Sv48Mmu mmu = new Sv48Mmu(memory, 64);
    private long nextTable = 0x10000;

    @AfterEach
    void close()
    {
        memory.close();
    }

    private long newTable()
    {
        final long table = nextTable;
        nextTable += 0x1000;
        memory.fill(table, 0x1000, (byte)0);
        return table;
    }

    /** Map {@code va} to {@code pa} with a leaf at {@code level} (0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB). */
    private long map(final long root, final long va, final long pa, final int level, final long flags)
    {
        long table = root;
        for (int l = 3; l > level; l--)
        {
            final long entry = table + ((va >>> (12 + 9 * l)) & 511) * 8;
            long pte = memory.getLong(entry);
            if ((pte & PTE_V) == 0)
            {
                pte = ((newTable() >>> 12) << 10) | PTE_V;
                memory.putLong(entry, pte);
            }
            table = ((pte >>> 10) & ((1L << 44) - 1)) << 12;
        }
        final long entry = table + ((va >>> (12 + 9 * level)) & 511) * 8;
        memory.putLong(entry, ((pa >>> 12) << 10) | flags);
        return entry;
    }

    @Test
    void shouldTranslateFourKilobytePageWithPermissions()
    {
        final long root = newTable();
        mmu.root(root >>> 12, 1);
        map(root, 0x40_0000, 0x20_0000, 0, PTE_V | PTE_U | PTE_R | PTE_X | PTE_A);
        assertEquals(0x20_0123, mmu.translate(0x40_0123, LOAD));
        assertEquals(0x20_0FFE, mmu.translate(0x40_0FFE, FETCH));
        assertEquals(PAGE_FAULT, mmu.translate(0x40_0123, STORE), "not writable");
        assertEquals(PAGE_FAULT, mmu.translate(0x40_0123, AMO));
        assertEquals(PAGE_FAULT, mmu.translate(0x40_1000, LOAD), "unmapped neighbour");
        assertEquals(PAGE_FAULT, mmu.translate(0x8000_0000_0000L, LOAD), "non-canonical");
        assertEquals(PAGE_FAULT, mmu.translate(0xFFFF_8000_0000_0000L, LOAD), "canonical but unmapped");
    }

    @Test
    void shouldRequireUserAccessedAndDirtyBits()
    {
        final long root = newTable();
        mmu.root(root >>> 12, 1);
        map(root, 0x1000, 0x30_0000, 0, URWX & ~PTE_U);
        map(root, 0x2000, 0x30_1000, 0, URWX & ~PTE_A);
        map(root, 0x3000, 0x30_2000, 0, URWX & ~PTE_D);
        map(root, 0x4000, 0x30_3000, 0, PTE_V | PTE_U | PTE_W | PTE_A | PTE_D);
        map(root, 0x5000, 0x30_4000, 0, URWX | (1L << 61));
        map(root, 0x6000, 0x30_5000, 0, PTE_V | PTE_U | PTE_X | PTE_A);
        assertEquals(PAGE_FAULT, mmu.translate(0x1000, LOAD), "supervisor page");
        assertEquals(PAGE_FAULT, mmu.translate(0x2000, LOAD), "A clear (Svade)");
        assertEquals(0x30_2000, mmu.translate(0x3000, LOAD), "D clear still loads");
        assertEquals(PAGE_FAULT, mmu.translate(0x3000, STORE), "D clear faults stores");
        assertEquals(PAGE_FAULT, mmu.translate(0x3000, AMO));
        assertEquals(PAGE_FAULT, mmu.translate(0x4000, STORE), "W without R is reserved");
        assertEquals(PAGE_FAULT, mmu.translate(0x5000, LOAD), "PBMT bits without Svpbmt");
        assertEquals(PAGE_FAULT, mmu.translate(0x6000, LOAD), "execute-only is not readable");
        assertEquals(0x30_5000, mmu.translate(0x6000, FETCH));
        assertEquals(0, memory.getLong(0x30_2000), "nothing written");
    }

    @Test
    void shouldTranslateMegaAndGigaPages()
    {
        final long root = newTable();
        mmu.root(root >>> 12, 2);
        map(root, 0x4000_0000L, 0x20_0000, 1, URWX);
        assertEquals(0x20_0000 + 0x1F_F123, mmu.translate(0x4000_0000L + 0x1F_F123, STORE));
        assertEquals(0x20_0000, mmu.translate(0x4000_0000L, FETCH));
        map(root, 0x80_0000_0000L, 0, 2, URWX);
        assertEquals(0x7F_F008L, mmu.translate(0x80_007F_F008L, LOAD));
        map(root, 0x4020_0000L, 0x20_1000, 1, URWX);
        assertEquals(PAGE_FAULT, mmu.translate(0x4020_0000L, LOAD), "misaligned megapage");
        map(root, 0xC0_0000_0000L, 0x20_0000, 2, URWX);
        assertEquals(PAGE_FAULT, mmu.translate(0xC0_0000_0000L, LOAD), "misaligned gigapage");
    }

    @Test
    void shouldTranslateTerapage()
    {
        final long root = newTable();
        mmu.root(root >>> 12, 4);
        map(root, 0, 0, 3, URWX);
        assertEquals(0x12_3456L, mmu.translate(0x12_3456L, LOAD));
        map(root, 0x80_0000_0000L, 0x1000, 3, URWX);
        assertEquals(PAGE_FAULT, mmu.translate(0x80_0000_0000L, LOAD), "misaligned terapage");
    }

    @Test
    void shouldReportAccessFaultOutsidePhysicalMemory()
    {
        final long root = newTable();
        mmu.root(root >>> 12, 1);
        map(root, 0x1000, MEMORY + 0x1000, 0, URWX);
        assertEquals(ACCESS_FAULT, mmu.translate(0x1000, LOAD));
        mmu.root((MEMORY >>> 12) + 4, 1);
        assertEquals(ACCESS_FAULT, mmu.translate(0x1000, LOAD), "root table outside memory");
    }

    @Test
    void shouldServeStaleEntryUntilFlushedAndFlushByAsid()
    {
        final long rootA = newTable();
        final long rootB = newTable();
        final long leafA = map(rootA, 0x1000, 0x40_0000, 0, URWX);
        map(rootB, 0x1000, 0x50_0000, 0, URWX);
        mmu.root(rootA >>> 12, 7);
        assertEquals(0x40_0000, mmu.translate(0x1000, LOAD));
        mmu.root(rootB >>> 12, 8);
        assertEquals(0x50_0000, mmu.translate(0x1000, LOAD));

        memory.putLong(leafA, ((0x60_0000L >>> 12) << 10) | URWX);
        mmu.root(rootA >>> 12, 7);
        assertEquals(0x40_0000, mmu.translate(0x1000, LOAD), "cached until a flush");
        final long misses = mmu.misses();
        mmu.flushAsid(8);
        assertEquals(0x40_0000, mmu.translate(0x1000, LOAD), "flushing another ASID keeps it");
        assertEquals(misses, mmu.misses());
        mmu.flushAsid(7);
        assertEquals(0x60_0000, mmu.translate(0x1000, LOAD));
        assertEquals(misses + 1, mmu.misses());

        memory.putLong(leafA, ((0x70_0000L >>> 12) << 10) | URWX);
        mmu.flushPage(7, 0x1FFF);
        assertEquals(0x70_0000, mmu.translate(0x1000, LOAD), "flushPage by an address inside the page");
        mmu.root(rootB >>> 12, 8);
        assertEquals(0x50_0000, mmu.translate(0x1000, LOAD));

        memory.putLong(leafA, 0);
        mmu.root(rootA >>> 12, 7);
        mmu.flushAll();
        assertEquals(PAGE_FAULT, mmu.translate(0x1000, LOAD));
    }

    @Test
    void shouldFlushEveryPageOfSuperpage()
    {
        final long root = newTable();
        mmu.root(root >>> 12, 3);
        final long leaf = map(root, 0x20_0000, 0x20_0000, 1, URWX);
        assertEquals(0x20_5000, mmu.translate(0x20_5000, LOAD));
        assertEquals(0x21_0000, mmu.translate(0x21_0000, LOAD));
        memory.putLong(leaf, ((0x40_0000L >>> 12) << 10) | URWX);
        mmu.flushPage(3, 0x3F_F000);
        assertEquals(0x40_5000, mmu.translate(0x20_5000, LOAD));
        assertEquals(0x41_0000, mmu.translate(0x21_0000, LOAD));
    }

    @Test
    void shouldRewalkWhenCachedPermissionsRefuse()
    {
        final long root = newTable();
        mmu.root(root >>> 12, 1);
        final long leaf = map(root, 0x1000, 0x40_0000, 0, URWX & ~PTE_D);
        assertEquals(0x40_0000, mmu.translate(0x1000, LOAD));
        assertEquals(PAGE_FAULT, mmu.translate(0x1000, STORE));
        memory.putLong(leaf, memory.getLong(leaf) | PTE_D);
        assertEquals(0x40_0000, mmu.translate(0x1000, STORE), "dirty bit set by the kernel is seen");
    }

    @Test
    void shouldParseSatp()
    {
        final long root = newTable();
        map(root, 0x1000, 0x40_0000, 0, URWX);
        mmu.satp((9L << 60) | (0x1234L << 44) | (root >>> 12));
        assertEquals(0x1234, mmu.asid());
        assertEquals(0x40_0000, mmu.translate(0x1000, LOAD));
        assertThrows(IllegalArgumentException.class, () -> mmu.satp(8L << 60));
    }

    @Test
    void shouldRunUserProgramThroughPageTables()
    {
        final long root = newTable();
        mmu.root(root >>> 12, 5);
        final long code = 0x40_0000;
        final long data = 0x7FFF_F000L;
        map(root, 0x1_0000, code, 0, PTE_V | PTE_U | PTE_R | PTE_X | PTE_A);
        final long dataLeaf = map(root, data, 0x50_0000, 0, PTE_V | PTE_U | PTE_R | PTE_W | PTE_A);
        // lui x5, 0x7FFFF ; addi x6,x0,99 ; sd x6,8(x5) ; ld x7,8(x5) ; ecall
        final byte[] program = new Asm().all(lui(5, 0x7FFFF), addi(6, 0, 99), sd(6, 5, 8), ld(7, 5, 8), ECALL)
            .bytes();
        memory.write(code, program, 0, program.length);
        final RiscvCpu cpu = new RiscvCpu(mmu);
        cpu.context().pc = 0x1_0000;
        assertEquals(RiscvTrap.STORE_PAGE_FAULT, cpu.run(100), "D clear: the kernel must set it");
        assertEquals(data + 8, cpu.tval());
        assertEquals(0x1_0008, cpu.context().pc);
        memory.putLong(dataLeaf, memory.getLong(dataLeaf) | PTE_D);
        mmu.flushPage(5, data);
        assertEquals(RiscvTrap.ECALL_FROM_U, cpu.run(100));
        assertEquals(99, cpu.context().x[7]);
        assertEquals(99, memory.getLong(0x50_0008));
    }

    @Test
    void shouldRaiseAccessFaultsFromEngineForPagesOutsidePhysicalMemory()
    {
        final long root = newTable();
        mmu.root(root >>> 12, 6);
        map(root, 0x1_0000, 0x40_0000, 0, PTE_V | PTE_U | PTE_R | PTE_X | PTE_A);
        map(root, 0x2_0000, MEMORY, 0, URWX);
        map(root, 0x3_0000, MEMORY + 0x1000, 0, URWX);
        // lui x5,0x20 ; lw x6,4(x5) ; ecall
        final byte[] program = new Asm().all(lui(5, 0x20), lw(6, 5, 4), ECALL).bytes();
        memory.write(0x40_0000, program, 0, program.length);
        final RiscvCpu cpu = new RiscvCpu(mmu);
        cpu.context().pc = 0x1_0000;
        assertEquals(RiscvTrap.LOAD_ACCESS_FAULT, cpu.run(100));
        assertEquals(0x2_0004, cpu.tval());
        final byte[] store = new Asm().all(lui(5, 0x20), sd(6, 5, 8), ECALL).bytes();
        memory.write(0x40_0000, store, 0, store.length);
        cpu.context().pc = 0x1_0000;
        assertEquals(RiscvTrap.STORE_ACCESS_FAULT, cpu.run(100));
        assertEquals(0x2_0008, cpu.tval());
        cpu.context().pc = 0x3_0000;
        assertEquals(RiscvTrap.INSTRUCTION_ACCESS_FAULT, cpu.run(100));
        assertEquals(0x3_0000, cpu.tval());
    }
}
