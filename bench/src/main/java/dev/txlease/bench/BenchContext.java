package dev.txlease.bench;

import java.util.List;

/**
 * What every measure runs on: the mode, the loopback DynamoDB Local server, the shared table and
 * both libraries.
 *
 * @param mode how much to measure
 * @param dynamo the server
 * @param txlease txlease on the shared table
 * @param aws the AWS lock client on the shared table
 */
record BenchContext(BenchMode mode, LoopbackDynamoDb dynamo, TxleaseLibrary txlease, AwsLockLibrary aws) {

    /** Returns both libraries, txlease first. */
    List<LibraryUnderTest<?>> libraries() {
        return List.of(txlease, aws);
    }
}
