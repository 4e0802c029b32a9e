package dev.txlease.testing;

import dev.txlease.FenceToken;

/**
 * Reads the tokens of the DynamoDB lease store: a new item's first token is its creation time in
 * epoch milliseconds times 1,000,000, plus 1, and each grant adds 1; so for an item created by this
 * version the remainder modulo 1,000,000 counts its grants (below a million). Stateless.
 */
public final class FenceTokens {
    private static final long PER_MILLISECOND = 1_000_000L;

    private FenceTokens() {}

    /** Returns how many grants an item created by this txlease version has seen, given its token. */
    public static long grantCount(long token) {
        return token % PER_MILLISECOND;
    }

    /** Returns how many grants an item created by this txlease version has seen, given its token. */
    public static long grantCount(FenceToken token) {
        return grantCount(token.value());
    }
}
