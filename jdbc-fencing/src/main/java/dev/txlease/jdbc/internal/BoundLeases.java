package dev.txlease.jdbc.internal;

import dev.txlease.Lease;
import java.util.ArrayList;
import java.util.List;

/**
 * The leases bound to the current thread by {@code LeaseBinding}: a stack of frames, innermost on
 * top. A frame must be removed on the thread that added it, innermost first.
 *
 * <p>Thread-safe: each thread sees only its own frames.
 */
public final class BoundLeases {
    private static final ThreadLocal<Frame> TOP = new ThreadLocal<>();

    private BoundLeases() {}

    /** One binding's leases, and the binding it is nested in. Immutable. */
    public static final class Frame {
        private final List<Lease> leases;
        private final Frame parent;
        private final Thread owner;

        private Frame(List<Lease> leases, Frame parent) {
            this.leases = leases;
            this.parent = parent;
            this.owner = Thread.currentThread();
        }
    }

    /**
     * Binds leases to the current thread.
     *
     * @param leases the leases, already checked for nulls
     * @return the frame to pass to {@link #pop(Frame)}
     */
    public static Frame push(List<Lease> leases) {
        Frame frame = new Frame(List.copyOf(leases), TOP.get());
        TOP.set(frame);
        return frame;
    }

    /**
     * Removes a frame from the current thread.
     *
     * @param frame the innermost frame of the current thread
     * @throws IllegalStateException if it is not the current thread's innermost frame
     */
    public static void pop(Frame frame) {
        if (frame.owner != Thread.currentThread()) {
            throw new IllegalStateException(
                    "A LeaseBinding must be closed on the thread that opened it (" + frame.owner.getName()
                            + "), not on " + Thread.currentThread().getName());
        }
        if (TOP.get() != frame) {
            throw new IllegalStateException(
                    "LeaseBindings must be closed innermost first: close the nested binding before this one");
        }
        if (frame.parent == null) {
            TOP.remove();
        } else {
            TOP.set(frame.parent);
        }
    }

    /** Returns the leases bound to the current thread, outermost first; empty if none. */
    public static List<Lease> current() {
        Frame frame = TOP.get();
        if (frame == null) {
            return List.of();
        }
        if (frame.parent == null) {
            return frame.leases;
        }
        List<Lease> all = new ArrayList<>();
        for (; frame != null; frame = frame.parent) {
            all.addAll(0, frame.leases);
        }
        return all;
    }
}
