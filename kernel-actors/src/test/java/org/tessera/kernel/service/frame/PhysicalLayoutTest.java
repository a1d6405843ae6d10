package org.tessera.kernel.service.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tessera.kernel.service.frame.PhysicalLayout.ZONE_DMA;
import static org.tessera.kernel.service.frame.PhysicalLayout.ZONE_HIGH;
import static org.tessera.kernel.service.frame.PhysicalLayout.ZONE_NORMAL;
import static org.tessera.kernel.service.frame.TestLayouts.MIB;

import org.junit.jupiter.api.Test;

class PhysicalLayoutTest
{
    @Test
    void shouldSplitA64BitLayoutIntoDmaAndNormal()
    {
        final PhysicalLayout layout = new PhysicalLayout(TestLayouts.pc96());

        assertEquals(0, layout.zoneStartFrame(0, ZONE_DMA));
        assertEquals(16 * MIB / 4096, layout.zoneEndFrame(0, ZONE_DMA));
        assertEquals(16 * MIB / 4096, layout.zoneStartFrame(0, ZONE_NORMAL));
        assertEquals(96 * MIB / 4096, layout.zoneEndFrame(0, ZONE_NORMAL));
        assertEquals(0, layout.zoneFrames(0, ZONE_HIGH));
    }

    @Test
    void shouldPutMemoryAboveTheDirectMapLimitInHigh()
    {
        final long total = 1024 * MIB;
        final PhysicalLayout layout = new PhysicalLayout(
            MemoryDescription.singleNode(total, new long[0], new long[0], 896 * MIB));

        assertEquals(16 * MIB / 4096, layout.zoneStartFrame(0, ZONE_NORMAL));
        assertEquals(896 * MIB / 4096, layout.zoneEndFrame(0, ZONE_NORMAL));
        assertEquals(896 * MIB / 4096, layout.zoneStartFrame(0, ZONE_HIGH));
        assertEquals(total / 4096, layout.zoneEndFrame(0, ZONE_HIGH));
    }

    @Test
    void shouldCutEachNodeByTheZoneBoundaries()
    {
        final PhysicalLayout layout = new PhysicalLayout(TestLayouts.threeNodes());

        assertEquals(16 * MIB / 4096, layout.zoneFrames(0, ZONE_DMA));
        assertEquals(16 * MIB / 4096, layout.zoneFrames(0, ZONE_NORMAL));
        assertEquals(0, layout.zoneFrames(1, ZONE_DMA));
        assertEquals(32 * MIB / 4096, layout.zoneFrames(1, ZONE_NORMAL));
        assertEquals(2, layout.nodeOf(95 * MIB));
        assertEquals(-1, layout.nodeOf(96 * MIB));
        assertEquals(ZONE_NORMAL, layout.zoneOf(1, 40 * MIB / 4096));
    }

    @Test
    void shouldRoundReservedRangesOutwardToWholeFrames()
    {
        final PhysicalLayout layout = new PhysicalLayout(
            MemoryDescription.singleNode(32 * MIB, new long[]{0x1800}, new long[]{0x1000}, 0));

        assertTrue(layout.isReservedFrame(1));
        assertTrue(layout.isReservedFrame(2));
        assertFalse(layout.isReservedFrame(0));
        assertFalse(layout.isReservedFrame(3));
    }

    @Test
    void shouldRejectOverlappingNodes()
    {
        assertThrows(IllegalArgumentException.class, () -> new MemoryDescription(
            64 * MIB, new long[]{0, 16 * MIB}, new long[]{32 * MIB, 32 * MIB}, new int[]{10, 20, 20, 10},
            new long[0], new long[0], 0));
    }
}
