package org.tessera.subset;

/**
 * One place in a compiled class that breaks the kernel subset.
 *
 * @param className   binary name of the class, e.g. {@code org.tessera.lockfree.Inbox}.
 * @param methodName  name of the method, {@code <init>} and {@code <clinit>} included.
 * @param descriptor  JVM method descriptor, e.g. {@code (J)V}.
 * @param bci         bytecode index of the offending instruction (0 for a method flag; the
 *                    start of the protected range for an exception handler).
 * @param instruction the instruction in javap style, e.g. {@code new java/util/ArrayList}.
 * @param rule        the rule it breaks.
 */
public record Violation(
    String className, String methodName, String descriptor, int bci, String instruction, Rule rule)
{
    /**
     * @return the one-line report: {@code subset violation: <class>.<method><descriptor> @<bci>:
     * <instruction> - <rule>}.
     */
    @Override
    public String toString()
    {
        return "subset violation: " + className + "." + methodName + descriptor + " @" + bci + ": " +
            instruction + " - " + rule.text();
    }
}
