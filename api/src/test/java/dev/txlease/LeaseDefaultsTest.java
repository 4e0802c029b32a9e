package dev.txlease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The defaults of {@link Lease} for implementations that know only EX (issue 16). */
class LeaseDefaultsTest {
    private static final Lease EXCLUSIVE_ONLY = new Lease() {
        @Override
        public String name() {
            return "orders";
        }

        @Override
        public String owner() {
            return "worker";
        }

        @Override
        public FenceToken fenceToken() {
            return FenceToken.of(7);
        }

        @Override
        public Optional<byte[]> data() {
            return Optional.empty();
        }

        @Override
        public Duration leaseDuration() {
            return Duration.ofSeconds(1);
        }

        @Override
        public boolean isValid() {
            return true;
        }

        @Override
        public Duration remaining() {
            return Duration.ofSeconds(1);
        }

        @Override
        public LeaseState state() {
            return LeaseState.HELD;
        }

        @Override
        public void close() {}
    };

    @Test
    void modeIsExAndConvertIsUnsupportedNamingTheLock() {
        assertEquals(LockMode.EX, EXCLUSIVE_ONLY.mode());
        UnsupportedOperationException failure =
                assertThrows(UnsupportedOperationException.class, () -> EXCLUSIVE_ONLY.convert(LockMode.PR));
        assertTrue(failure.getMessage().contains("'orders'"), failure.getMessage());
        assertTrue(failure.getMessage().contains("EX to PR"), failure.getMessage());
    }
}
