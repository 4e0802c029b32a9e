package dev.txlease.jta;

import dev.txlease.Lease;
import dev.txlease.LeaseLostException;
import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.LossCause;
import java.time.Duration;
import javax.transaction.xa.XAException;
import javax.transaction.xa.Xid;

/**
 * The one place that makes {@link XAException}s: each carries an exact XA code and a message that
 * names the code, the branch and, where there is one, the lock. Stateless and thread-safe.
 */
final class XaErrors {
    private XaErrors() {}

    /** {@code XAER_INVAL}: a null Xid, or flags the method does not accept. */
    static XAException invalid(String message) {
        return of(XAException.XAER_INVAL, message, null);
    }

    /** {@code XAER_NOTA}: the Xid is not a branch this resource knows. */
    static XAException unknown(Xid xid, String resource) {
        return of(XAException.XAER_NOTA, resource + " knows no branch " + XidCodec.describe(xid), null);
    }

    /** {@code XAER_DUPID}: {@code start(TMNOFLAGS)} for a branch that was already started. */
    static XAException duplicate(Xid xid) {
        return of(XAException.XAER_DUPID, "branch " + XidCodec.describe(xid) + " was already started", null);
    }

    /** {@code XAER_PROTO}: the call is out of order for the branch's state. */
    static XAException protocol(String message) {
        return of(XAException.XAER_PROTO, message, null);
    }

    /** {@code XAER_RMFAIL}: the lease store could not be reached; the call may be repeated. */
    static XAException unavailable(String message, Throwable cause) {
        return of(XAException.XAER_RMFAIL, message, cause);
    }

    /**
     * A rollback vote or outcome ({@code XA_RB*}): the branch was rolled back.
     *
     * @param code one of {@code XAException.XA_RBBASE} to {@code XAException.XA_RBEND}
     */
    static XAException rolledBack(int code, String message, Throwable cause) {
        if (code < XAException.XA_RBBASE || code > XAException.XA_RBEND) {
            throw new IllegalArgumentException("not an XA_RB* code: " + code);
        }
        return of(code, message, cause);
    }

    /**
     * The rollback vote for a lease that failed its prepare: {@code XA_RBINTEGRITY} if it was taken
     * over, {@code XA_RBCOMMFAIL} if the store could not be reached, {@code XA_RBTIMEOUT} if it
     * expired, {@code XA_RBOTHER} for anything else.
     *
     * @param knownCause the loss cause the lease's listener heard, or null
     */
    static XAException prepareFailed(Lease lease, LossCause knownCause, String branch, RuntimeException failure) {
        int code = XAException.XA_RBOTHER;
        if (failure instanceof LeaseLostException) {
            LossCause cause = knownCause != null ? knownCause : ((LeaseLostException) failure).lossCause();
            code = switch (cause) {
                case TAKEN_OVER -> XAException.XA_RBINTEGRITY;
                case STORE_UNREACHABLE -> XAException.XA_RBCOMMFAIL;
                case EXPIRED_LOCALLY -> XAException.XA_RBTIMEOUT;
            };
        } else if (failure instanceof LeaseStoreUnavailableException) {
            code = XAException.XA_RBCOMMFAIL;
        }
        return rolledBack(
                code,
                "lease on lock '" + lease.name() + "' (fence " + lease.fenceToken() + ") failed the prepare of branch "
                        + branch + ", so it rolls back: " + failure.getMessage(),
                failure);
    }

    /** {@code XA_RBTIMEOUT}: a lease with too little time left to cover the commit. */
    static XAException tooCloseToExpiry(Lease lease, Duration left, Duration margin, String branch) {
        return rolledBack(
                XAException.XA_RBTIMEOUT,
                "lease on lock '" + lease.name() + "' (fence "
                        + lease.fenceToken() + ") has " + left.toMillis() + " ms left at the prepare of branch "
                        + branch
                        + ", less than a tenth of its lease duration (" + margin.toMillis() + " ms), so it rolls back;"
                        + " turn heartbeats on or raise the lease duration",
                null);
    }

    private static XAException of(int code, String message, Throwable cause) {
        XAException exception = new XAException(name(code) + ": " + message);
        exception.errorCode = code;
        if (cause != null) {
            exception.initCause(cause);
        }
        return exception;
    }

    /** Returns the symbolic name of an XA code, for messages. */
    static String name(int code) {
        return switch (code) {
            case XAException.XAER_INVAL -> "XAER_INVAL";
            case XAException.XAER_NOTA -> "XAER_NOTA";
            case XAException.XAER_DUPID -> "XAER_DUPID";
            case XAException.XAER_PROTO -> "XAER_PROTO";
            case XAException.XAER_RMFAIL -> "XAER_RMFAIL";
            case XAException.XA_RBROLLBACK -> "XA_RBROLLBACK";
            case XAException.XA_RBCOMMFAIL -> "XA_RBCOMMFAIL";
            case XAException.XA_RBINTEGRITY -> "XA_RBINTEGRITY";
            case XAException.XA_RBOTHER -> "XA_RBOTHER";
            case XAException.XA_RBTIMEOUT -> "XA_RBTIMEOUT";
            default -> "XA code " + code;
        };
    }
}
