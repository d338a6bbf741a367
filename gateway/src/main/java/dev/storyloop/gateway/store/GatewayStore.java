package dev.storyloop.gateway.store;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The gateway's durable books: per-device sequence windows and command sequences, and the epoch
 * counter, in one H2 MVStore file.
 *
 * <p>Opening takes the next epoch and commits it before anything else happens, so two processes
 * never share one. {@link #write} commits a batch in one MVStore chunk; it blocks on file I/O and
 * is called off the event loop, one batch at a time. A commit reaches the operating system before
 * {@link #write} returns, so it survives the process being killed (SIGKILL); it is not flushed to
 * the disk itself ({@code fsync}) per batch, so a power cut may lose the last batches: then the
 * broker redelivers what was not acknowledged and the window refuses what was.
 *
 * <p>A missing file is created (and {@link #created} says so); a file that cannot be read as a
 * store of this format is an error ({@link StoreException}) naming the file, never a silent reset
 * to empty books: the operator moves it away to start afresh.
 */
public final class GatewayStore implements EpochSource, AutoCloseable {
    static final int FORMAT = 1;
    static final int COMPACT_EVERY_BATCHES = 64;
    static final int COMPACT_FILL_PERCENT = 50;
    static final int COMPACT_WRITE_BYTES = 4 << 20;
    /**
     * How long an old chunk is kept before its space is reused: none. MVStore never overwrites a
     * chunk the last committed version needs, and a process crash (not a machine's) loses no OS
     * buffer, so waiting for the disk buys nothing here; it would only let the file grow with the
     * commit rate.
     */
    static final int RETENTION_MILLIS = 0;
    private static final String META = "meta";
    private static final String DEVICES = "devices";

    private final Path file;
    private final MVStore store;
    private final MVMap<String, Object> meta;
    private final MVMap<String, byte[]> devices;
    private final boolean created;
    private final long epoch;
    private volatile long batches;        // written by the store's thread, read by metrics
    private volatile long devicesWritten;

    /** Why the store cannot be used; the message names the file and what to do. */
    public static final class StoreException extends RuntimeException {
        public StoreException(String message) {
            super(message);
        }

        public StoreException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private GatewayStore(Path file, MVStore store, boolean created) {
        this.file = file;
        this.store = store;
        this.created = created;
        this.meta = store.openMap(META);
        this.devices = store.openMap(DEVICES);
        Object format = meta.get("format");
        if (created) {
            meta.put("format", FORMAT);
        } else if (!Integer.valueOf(FORMAT).equals(format)) {
            store.closeImmediately();
            throw new StoreException("store " + file + " has format " + format + ", this gateway reads format " + FORMAT
                    + "; move the file away to start with empty books");
        }
        Object last = meta.get("epoch");
        long previous = last instanceof Long l ? l : 0;
        this.epoch = previous + 1;
        if (epoch > 0xFFFF_FFFFL) {
            store.closeImmediately();
            throw new StoreException("store " + file + " has used every u32 epoch; move it away to start afresh");
        }
        meta.put("epoch", epoch);
        store.commit();
    }

    /** Opens (or creates) the store at {@code file}; throws {@link StoreException} when it is unreadable or in use. */
    public static GatewayStore open(Path file) {
        Objects.requireNonNull(file, "file");
        boolean created = !Files.exists(file);
        if (!created && !Files.isRegularFile(file)) throw new StoreException("store " + file + " is not a regular file");
        MVStore store;
        try {
            store = new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().open();
            store.setRetentionTime(RETENTION_MILLIS);
        } catch (RuntimeException e) {
            throw new StoreException("store " + file + " cannot be opened (" + e.getMessage() + "); it is corrupt, of another program,"
                    + " or held by another gateway process. Refusing to start with empty books: move it away to start afresh", e);
        }
        try {
            return new GatewayStore(file, store, created);
        } catch (StoreException e) {
            throw e;
        } catch (RuntimeException e) {
            store.closeImmediately();
            throw new StoreException("store " + file + " is not a gateway store (" + e.getMessage() + "); move it away to start afresh", e);
        }
    }

    @Override
    public long epoch() {
        return epoch;
    }

    /** True when this process created the file: there were no books to restore. */
    public boolean created() {
        return created;
    }

    public Path file() {
        return file;
    }

    /** Every device's books, in id order (the map's key order: deterministic). */
    public List<DeviceState> devices() {
        List<DeviceState> all = new ArrayList<>(devices.size());
        for (Map.Entry<String, byte[]> entry : devices.entrySet()) all.add(DeviceState.decode(entry.getKey(), entry.getValue()));
        return all;
    }

    /** Writes {@code batch} and commits it as one unit; blocks on file I/O (call it off the event loop). */
    public void write(List<DeviceState> batch) {
        write(batch, List.of());
    }

    /** Writes {@code batch}, forgets the devices {@code evicted}, and commits both as one unit; blocks on file I/O. */
    public void write(List<DeviceState> batch, List<String> evicted) {
        for (String id : evicted) devices.remove(id);
        for (DeviceState state : batch) devices.put(state.id(), state.encode());
        store.commit();
        batches++;
        devicesWritten += batch.size();
        if (batches % COMPACT_EVERY_BATCHES == 0) compact();
    }

    /**
     * Keeps the file bounded: every commit appends a chunk, and an old chunk's space is reused only
     * once nothing live is left in it, so now and then the live pages of sparse chunks are
     * rewritten (at most {@link #COMPACT_WRITE_BYTES} per call) until the file is at least
     * {@link #COMPACT_FILL_PERCENT} % live.
     */
    private void compact() {
        store.compact(COMPACT_FILL_PERCENT, COMPACT_WRITE_BYTES);
    }

    /** The file's size now, in bytes. */
    public long fileBytes() {
        return store.getFileStore().size();
    }

    /** Batches committed by this process. */
    public long batches() {
        return batches;
    }

    /** Device records written by this process (a device written in two batches counts twice). */
    public long devicesWritten() {
        return devicesWritten;
    }

    @Override
    public void close() {
        if (!store.isClosed()) store.close();
    }
}
