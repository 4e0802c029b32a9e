package dev.txlease.spring;

import dev.txlease.testing.DynamoDbLocal;

/** Opens {@link SpringTestKit#dynamo()} to the tests of other packages. */
public final class SpringTestKitAccess {
    private SpringTestKitAccess() {}

    /** Returns the DynamoDB Local shared by this module's tests. */
    public static DynamoDbLocal dynamo() {
        return SpringTestKit.dynamo();
    }
}
