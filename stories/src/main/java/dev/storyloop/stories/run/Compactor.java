package dev.storyloop.stories.run;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;

/**
 * The boot's compactions of a large fleet ({@link SimRunner#COMPACT_FROM_DEVICES}): at each step, a full collection
 * when the JVM has made no collection since the compactor was made or since its last step. A young collection in
 * between has already copied what the fleet made since then breadth first; compacting after it would cost a full
 * collection and keep that order.
 */
final class Compactor {
    private final LongSupplier collections;
    private final Runnable fullCollection;
    private long seen;
    private int compactions;

    Compactor(LongSupplier collections, Runnable fullCollection) {
        this.collections = collections;
        this.fullCollection = fullCollection;
        this.seen = collections.getAsLong();
    }

    /** Counts this JVM's collections, by every collector, and compacts with {@code System.gc()}. */
    static Compactor ofThisJvm() {
        return new Compactor(Compactor::collectionsSoFar, System::gc);
    }

    private static long collectionsSoFar() {
        long total = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) total += Math.max(0, gc.getCollectionCount());
        return total;
    }

    void step() {
        if (collections.getAsLong() == seen) {
            fullCollection.run();
            compactions++;
        }
        seen = collections.getAsLong();
    }

    int compactions() {
        return compactions;
    }
}
