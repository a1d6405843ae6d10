package org.tessera.subset;

/**
 * The kernel-subset rules a {@link Violation} can break. Each names what a class-file-to-C
 * translator (and a kernel that never collects garbage on its CPU loops) cannot take.
 */
public enum Rule
{
    /** NEW, NEWARRAY, ANEWARRAY or MULTIANEWARRAY after boot; panics (Throwables) excepted. */
    ALLOCATION("allocation outside a constructor, static initialiser or @Boot method"),

    /** Any invokedynamic or dynamic constant: lambdas, method references, string concatenation. */
    INVOKEDYNAMIC("invokedynamic (lambda, method reference, string concatenation, record method, pattern switch)"),

    /** Any java.util type, including concurrent, stream and function. */
    JAVA_UTIL("java.util is outside the kernel subset"),

    /** java.lang.reflect and the reflective methods of java.lang.Class. */
    REFLECTION("reflection"),

    /** StringBuilder, StringBuffer and String.format/formatted/concat/valueOf/join. */
    STRING_BUILDING("string building"),

    /** Wrapper valueOf (boxing) and xxxValue (unboxing). */
    BOXING("boxing or unboxing"),

    /** ThreadLocal state: kernel state is per CPU actor, never per thread. */
    THREAD_LOCAL("ThreadLocal"),

    /** MONITORENTER, MONITOREXIT or an ACC_SYNCHRONIZED method. */
    MONITOR("synchronized (monitor)"),

    /** An exception-table entry (try/catch/finally) after boot. */
    EXCEPTION_HANDLER("exception handler (try/catch/finally) outside a constructor, static initialiser or @Boot method"),

    /** A checked method calling a method the bare-metal build will drop. */
    HOST_ONLY_CALL("call to a @HostOnly method from kernel code");

    private final String text;

    Rule(final String text)
    {
        this.text = text;
    }

    /**
     * @return the rule as printed at the end of a violation line.
     */
    public String text()
    {
        return text;
    }
}
