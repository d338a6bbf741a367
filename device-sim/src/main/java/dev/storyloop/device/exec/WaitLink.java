package dev.storyloop.device.exec;

/**
 * What a task waits on when that is itself a wrapper around something else (a timeout around a
 * receive): the next link inward, so a dump or a wait chain can name the innermost resource.
 *
 * <p>Pass it to {@link Context#waitingOn(Object)}; its {@code toString} describes this link and the
 * ones inside it, and {@link #waitsOn()} gives the next one.
 */
public interface WaitLink {

    /** The next link inward: another {@code WaitLink}, a resource (a channel, a timer), or null. */
    Object waitsOn();
}
