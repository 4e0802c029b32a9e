package dev.txlease.reliability;

/**
 * How long the reliability scenarios run: {@value #DEFAULT} rounds by default, so {@code mvn verify}
 * stays fast, or as many as the system property {@value #PROPERTY} says ({@code
 * -Dtxlease.reliability.rounds=2000} for a long run). Randomised scenarios take their seed from
 * {@value #SEED_PROPERTY}, or a fresh one that their failure messages print.
 *
 * <p>Stateless and thread-safe.
 */
final class Rounds {
    /** The system property that sets the number of rounds. */
    static final String PROPERTY = "txlease.reliability.rounds";

    /** The system property that fixes the seed of randomised scenarios. */
    static final String SEED_PROPERTY = "txlease.reliability.seed";

    /** The rounds of a normal build. */
    static final int DEFAULT = 20;

    private Rounds() {}

    /** Returns the configured number of rounds, at least 1. */
    static int rounds() {
        String value = System.getProperty(PROPERTY);
        if (value == null || value.isBlank()) {
            return DEFAULT;
        }
        try {
            int rounds = Integer.parseInt(value.trim());
            if (rounds < 1) {
                throw new IllegalArgumentException(PROPERTY + " must be at least 1, was " + rounds);
            }
            return rounds;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PROPERTY + " must be a whole number, was '" + value + "'", e);
        }
    }

    /** Returns the configured rounds divided by {@code divisor}, at least 1. */
    static int scaled(int divisor) {
        return Math.max(1, rounds() / divisor);
    }

    /** Returns the seed for a randomised scenario. */
    static long seed() {
        Long fixed = Long.getLong(SEED_PROPERTY);
        return fixed != null ? fixed : System.nanoTime();
    }
}
