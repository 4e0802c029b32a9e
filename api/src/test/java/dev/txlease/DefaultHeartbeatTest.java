package dev.txlease;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Issue 17, defect 3: the default heartbeat (a third of the lease) respects the documented 5 ms minimum. */
class DefaultHeartbeatTest {

    @Test
    void defaultHeartbeatIsAThirdOfTheLeaseButNeverBelowFiveMilliseconds() {
        assertEquals(Duration.ofMillis(5), heartbeatFor(Duration.ofMillis(10)), "10 ms lease: 3.33 ms beats before");
        assertEquals(Duration.ofMillis(5), heartbeatFor(Duration.ofMillis(14)));
        assertEquals(Duration.ofMillis(5), heartbeatFor(Duration.ofMillis(15)));
        assertEquals(Duration.ofMillis(10), heartbeatFor(Duration.ofMillis(30)));
        assertEquals(
                Duration.ofSeconds(20).dividedBy(3), AcquireOptions.defaults().heartbeatPeriod());
    }

    @Test
    void aDerivedHeartbeatFollowsALeaseDurationChangedThroughToBuilder() {
        AcquireOptions shorter = AcquireOptions.defaults().toBuilder()
                .leaseDuration(Duration.ofSeconds(3))
                .build();
        assertEquals(Duration.ofSeconds(1), shorter.heartbeatPeriod());

        AcquireOptions explicit = AcquireOptions.builder().heartbeatPeriod(Duration.ofSeconds(2)).build().toBuilder()
                .leaseDuration(Duration.ofSeconds(30))
                .build();
        assertEquals(Duration.ofSeconds(2), explicit.heartbeatPeriod(), "a heartbeat that was set stays set");
    }

    private static Duration heartbeatFor(Duration leaseDuration) {
        return AcquireOptions.builder().leaseDuration(leaseDuration).build().heartbeatPeriod();
    }
}
