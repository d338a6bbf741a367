package dev.storyloop.gateway.store;

/**
 * Where a gateway process gets its epoch: a number that is different (higher) in every process
 * that ever ran against the same books, so identifiers a process mints (command ids) cannot
 * collide with those of an earlier process.
 */
public interface EpochSource {
    /** This process's epoch: at least 1, higher than that of every earlier process on the same store. */
    long epoch();
}
