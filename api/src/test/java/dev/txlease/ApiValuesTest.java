package dev.txlease;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApiValuesTest {

    @Test
    void fenceTokensCompareByValue() {
        List<FenceToken> tokens = new ArrayList<>(List.of(FenceToken.of(3), FenceToken.of(1), FenceToken.of(2)));
        Collections.sort(tokens);
        assertEquals(List.of(FenceToken.of(1), FenceToken.of(2), FenceToken.of(3)), tokens);
        assertTrue(FenceToken.of(2).isNewerThan(FenceToken.of(1)));
        assertFalse(FenceToken.of(2).isNewerThan(FenceToken.of(2)));
        assertEquals(FenceToken.of(7).hashCode(), FenceToken.of(7).hashCode());
        assertEquals("7", FenceToken.of(7).toString());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> FenceToken.of(0));
        assertTrue(zero.getMessage().contains("at least 1"), zero.getMessage());
    }

    @Test
    void optionsDefaultAndCopy() {
        AcquireOptions defaults = AcquireOptions.defaults();
        assertEquals(Duration.ofSeconds(20), defaults.leaseDuration());
        assertEquals(Duration.ofSeconds(30), defaults.waitTimeout());
        assertEquals(defaults.leaseDuration().dividedBy(3), defaults.heartbeatPeriod());
        assertEquals(Duration.ofMillis(250), defaults.pollInterval());
        assertNull(defaults.data());
        assertTrue(defaults.releaseOnCompletion());

        byte[] data = {1, 2};
        AcquireOptions options = AcquireOptions.builder()
                .data(data)
                .leaseDuration(Duration.ofSeconds(9))
                .build();
        data[0] = 9;
        assertArrayEquals(new byte[] {1, 2}, options.data(), "the builder copies data");
        options.data()[0] = 9;
        assertArrayEquals(new byte[] {1, 2}, options.data(), "the getter copies data");
        assertEquals(Duration.ofSeconds(3), options.heartbeatPeriod());
        AcquireOptions changed = options.toBuilder().releaseOnCompletion(false).build();
        assertFalse(changed.releaseOnCompletion());
        assertEquals(options.leaseDuration(), changed.leaseDuration());
    }

    @Test
    void optionsNameTheBadArgument() {
        IllegalArgumentException lease = assertThrows(
                IllegalArgumentException.class, () -> AcquireOptions.builder().leaseDuration(Duration.ofMillis(-5)));
        assertTrue(lease.getMessage().startsWith("leaseDuration"), lease.getMessage());
        NullPointerException wait = assertThrows(
                NullPointerException.class, () -> AcquireOptions.builder().waitTimeout(null));
        assertTrue(wait.getMessage().startsWith("waitTimeout"), wait.getMessage());
        assertThrows(
                IllegalArgumentException.class, () -> AcquireOptions.builder().leaseDuration(Duration.ofDays(8)));
        IllegalArgumentException heartbeat = assertThrows(IllegalArgumentException.class, () -> AcquireOptions.builder()
                .leaseDuration(Duration.ofSeconds(5))
                .heartbeatPeriod(Duration.ofSeconds(6))
                .build());
        assertTrue(heartbeat.getMessage().contains("heartbeatPeriod"), heartbeat.getMessage());
        IllegalArgumentException flood = assertThrows(
                IllegalArgumentException.class, () -> AcquireOptions.builder().heartbeatPeriod(Duration.ofNanos(1)));
        assertTrue(flood.getMessage().startsWith("heartbeatPeriod"), flood.getMessage());
        assertEquals(
                Duration.ZERO,
                AcquireOptions.builder().heartbeatPeriod(Duration.ZERO).build().heartbeatPeriod());
        assertThrows(NullPointerException.class, () -> AcquireOptions.builder().listener(null));
        assertThrows(IllegalArgumentException.class, () -> AcquireOptions.builder()
                .data(new byte[AcquireOptions.MAX_DATA_BYTES + 1]));
    }

    @Test
    void lockNamesAreChecked() {
        assertEquals("customer-42", LockNames.check("customer-42"));
        assertEquals("ünïcødé 🔒", LockNames.check("ünïcødé 🔒"));
        assertEquals("x".repeat(255), LockNames.check("x".repeat(255)));
        assertThrows(NullPointerException.class, () -> LockNames.check(null));
        assertThrows(IllegalArgumentException.class, () -> LockNames.check(""));
        assertThrows(IllegalArgumentException.class, () -> LockNames.check("x".repeat(256)));
        IllegalArgumentException control =
                assertThrows(IllegalArgumentException.class, () -> LockNames.check("a\u0007b"));
        assertTrue(control.getMessage().contains("U+0007"), control.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LockNames.check("bad\uD800"));
    }

    @Test
    void leaseInfoCopiesItsData() {
        byte[] data = {5};
        LeaseInfo info = new LeaseInfo("n", "o", FenceToken.of(1), Duration.ofSeconds(1), data, false);
        data[0] = 6;
        assertArrayEquals(new byte[] {5}, info.data().orElseThrow());
        assertEquals(info, new LeaseInfo("n", "o", FenceToken.of(1), Duration.ofSeconds(1), new byte[] {5}, false));
        assertNotEquals(info, new LeaseInfo("n", null, FenceToken.of(1), Duration.ofSeconds(1), null, true));
    }

    @Test
    void exceptionsCarryTheLock() {
        LeaseTimeoutException timeout =
                new LeaseTimeoutException("orders", "worker-2", FenceToken.of(4), Duration.ofSeconds(3));
        assertEquals("orders", timeout.lockName());
        assertEquals("worker-2", timeout.owner());
        assertEquals(FenceToken.of(4), timeout.fenceToken());
        assertTrue(timeout.getMessage().contains("'orders'")
                && timeout.getMessage().contains("waitTimeout"));
        assertTrue(new LeaseStoreUnavailableException("down", "orders", null) instanceof LeaseException);
    }
}
