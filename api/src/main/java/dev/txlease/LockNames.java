package dev.txlease;

/** Checks lock names: every public entry point that takes one calls {@link #check(String)}. */
public final class LockNames {
    /** The longest lock name, in characters. */
    public static final int MAX_LENGTH = 255;

    private LockNames() {}

    /**
     * Returns {@code name} if it is a valid lock name: not null, 1 to {@value #MAX_LENGTH}
     * characters, no ISO control characters, no unpaired surrogates.
     *
     * @param name the lock name
     * @return the name
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if it is empty, too long, or contains a control character
     */
    public static String check(String name) {
        if (name == null) {
            throw new NullPointerException("lock name must not be null");
        }
        if (name.isEmpty()) {
            throw new IllegalArgumentException("lock name must not be empty");
        }
        if (name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("lock name must be at most " + MAX_LENGTH + " characters, was "
                    + name.length() + " (starts with '" + name.substring(0, 32) + "...')");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c)) {
                throw new IllegalArgumentException(
                        "lock name must not contain control characters, found U+" + String.format("%04X", (int) c)
                                + " at index " + i + " in '" + name.replaceAll("\\p{Cntrl}", "?") + "'");
            }
            if (Character.isSurrogate(c)
                    && !(Character.isHighSurrogate(c)
                            && i + 1 < name.length()
                            && Character.isLowSurrogate(name.charAt(++i)))) {
                throw new IllegalArgumentException("lock name has an unpaired surrogate at index " + i);
            }
        }
        return name;
    }
}
