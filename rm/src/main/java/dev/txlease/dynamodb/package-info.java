/**
 * The DynamoDB lease store: {@link dev.txlease.dynamodb.DynamoDbLeaseStore}, one item per lock
 * name changed only by conditional writes, with {@link dev.txlease.dynamodb.DynamoDbLeaseAttributes}
 * for custom attribute names. Every other class of the package is internal.
 */
package dev.txlease.dynamodb;
