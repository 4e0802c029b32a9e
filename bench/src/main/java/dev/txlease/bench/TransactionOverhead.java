package dev.txlease.bench;

/**
 * Measure 5: the cost of a lease and fence in a JTA transaction. Placeholder until the JTA client
 * compiles.
 *
 * <p>Not instantiable.
 */
final class TransactionOverhead {
    private TransactionOverhead() {}

    static Section run(BenchContext context) {
        return new Section("transaction", "5. Transaction overhead")
                .notMeasured("the JTA lease client is not finished yet")
                .target("txlease: 2 extra store calls per transaction (prepare + release)", "not measured", null)
                .target("fence check under 15% of the DB transaction", "not measured", null);
    }
}
