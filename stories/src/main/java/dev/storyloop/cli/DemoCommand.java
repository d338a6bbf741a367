package dev.storyloop.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code storyloop demo}: the README's main command. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Runs the first story (the waker that never came) in the simulated world and prints its claims.")
final class DemoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.println("storyloop demo: the story runner is not built yet (see the stories issue).");
        System.out.println("When it is, this command runs stories/the-waker-that-never-came in the simulated world,");
        System.out.println("prints its claims table and where the results and plots were written.");
        return 0;
    }
}
