package dev.storyloop.device.exec;

import java.util.Optional;

/** Starts tasks on an executor; what a task is handed when it may start others. */
public interface Spawner {

    /** Spawns a task; throws {@link SpawnError} naming the live tasks when the pool is full. */
    <T> JoinHandle<T> spawn(String taskName, Future<T> future);

    /** Spawns a task, or returns empty when all task slots are taken. */
    <T> Optional<JoinHandle<T>> trySpawn(String taskName, Future<T> future);
}
