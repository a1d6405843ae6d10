package org.tessera.subset;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method of a kernel-subset class that runs only while the machine is being built
 * (boot), so it may allocate objects and arrays like a constructor does. The subset check
 * still applies every other rule to it.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Boot
{
}
