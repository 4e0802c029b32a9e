/** The txlease API: leases, fence tokens, the lease client interface and the store SPI. */
module dev.txlease.api {
    exports dev.txlease;
    exports dev.txlease.spi;
}
