package dev.txlease.jta;

/**
 * The acquisition that waits for a lock inside a transaction, so that the end of the transaction
 * (the transaction manager's reaper rolling it back after its timeout) ends the wait at once instead
 * of after the acquisition's own wait timeout: the rollback interrupts the waiting thread, and the
 * waiter, seeing that it was this class that interrupted it, clears the interrupt and reports that the
 * transaction was rolled back.
 *
 * <p>Ordering hazard: the interrupt must reach the thread only while it is inside the acquisition, or
 * it would leak into whatever the thread does next. Registration, the interrupt and deregistration
 * share the monitor, and {@link #leave()} clears an interrupt this class delivered. Thread-safe.
 */
final class AcquireWaiter {
    private Thread waiting;
    private boolean interrupted;
    private boolean ended;

    /**
     * Registers the calling thread as waiting in the transaction.
     *
     * @return {@code false} if the transaction has ended already
     */
    synchronized boolean enter() {
        if (ended) {
            return false;
        }
        waiting = Thread.currentThread();
        interrupted = false;
        return true;
    }

    /**
     * Deregisters the calling thread.
     *
     * @return {@code true} if the transaction ended while it waited (its interrupt is then cleared)
     */
    synchronized boolean leave() {
        waiting = null;
        if (interrupted) {
            Thread.interrupted(); // ours, not the caller's
            interrupted = false;
            return true;
        }
        return ended;
    }

    /** The transaction ended: interrupts a waiting thread other than the caller. */
    synchronized void transactionEnded() {
        ended = true;
        if (waiting != null && waiting != Thread.currentThread() && !interrupted) {
            interrupted = true;
            waiting.interrupt();
        }
    }
}
