package dev.txlease.testing;

import java.io.Serial;
import javax.transaction.xa.Xid;

/**
 * An XAResource that votes yes and halts the JVM in its commit: enlisted first in a transaction, it
 * makes the process die after the transaction manager logged its decision and before the other
 * branches were committed. Serializable and free of txlease classes but its {@link NoOpXAResource}
 * base (only the JDK), so a transaction manager that sees no txlease class can read it back from its
 * log and commit it on recovery without halting.
 *
 * <p>Armed one of two ways: {@link #HaltingXAResource() new HaltingXAResource()} halts only in the
 * JVM that created it (the flag is not logged); {@link #whenPropertySet()} halts in whichever JVM
 * commits it while the system property {@value #HALT_PROPERTY} is {@code true}, so a crashing child
 * can arm it just before its commit. Thread-safe.
 */
public final class HaltingXAResource extends NoOpXAResource {
    /** The exit status of the halted JVM. */
    public static final int HALT_STATUS = 42;

    /** The system property that arms a resource made by {@link #whenPropertySet()}. */
    public static final String HALT_PROPERTY = "txlease.testing.haltOnCommit";

    @Serial
    private static final long serialVersionUID = 2L;

    private transient volatile boolean halting; // false once read back from the log
    private final boolean armedByProperty;

    /** A resource that halts the JVM in its commit, in this JVM only. */
    public HaltingXAResource() {
        this(true, false);
    }

    private HaltingXAResource(boolean halting, boolean armedByProperty) {
        this.halting = halting;
        this.armedByProperty = armedByProperty;
    }

    /**
     * Returns a resource that halts the JVM in its commit if the system property {@value
     * #HALT_PROPERTY} is {@code true} then.
     */
    public static HaltingXAResource whenPropertySet() {
        return new HaltingXAResource(false, true);
    }

    @Override
    public void commit(Xid xid, boolean onePhase) {
        if (halting || (armedByProperty && Boolean.getBoolean(HALT_PROPERTY))) {
            System.out.println("halting in commit of " + xid);
            System.out.flush();
            Runtime.getRuntime().halt(HALT_STATUS);
        }
    }
}
