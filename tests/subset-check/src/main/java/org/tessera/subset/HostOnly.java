package org.tessera.subset;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method (or a whole type) of a kernel-subset package that exists only on the host
 * (diagnostics such as {@code toString}, test hooks). The subset check skips it, and reports
 * any call to it from a checked method, so a bare-metal build can drop it.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.METHOD, ElementType.TYPE, ElementType.CONSTRUCTOR})
public @interface HostOnly
{
}
