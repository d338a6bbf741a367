package dev.storyloop.cli;

import dev.storyloop.stories.swarm.Shards;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code storyloop swarm merge}: combines the shards' result files into the result of the whole range. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Merges the JSON results of `storyloop swarm --shard I/N --out FILE`: checks they cover their seed range exactly once "
                + "(naming every gap and overlap) and prints the failing seeds. Exit 0: complete, nothing failed; 1: seeds failed; "
                + "2: the files do not fit together (or cannot be read).")
final class SwarmMergeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "The shards' result files.")
    List<Path> files;

    @Option(names = "--out", description = "Also write the merged result here (JSON, the format of one unsharded run).")
    Path out;

    @Override
    public Integer call() throws IOException {
        CommandLine cli = spec.commandLine();
        PrintWriter out = cli.getOut();
        PrintWriter err = cli.getErr();
        if (files.size() > Shards.FILES_MAX) throw new CommandLine.ParameterException(cli, "at most " + Shards.FILES_MAX + " files");
        List<Shards.Result> results = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Path file : files) {
            try {
                results.add(Shards.read(file));
                names.add(file.toString());
            } catch (IOException e) {
                err.println("storyloop swarm merge: " + e.getMessage());
                err.flush();
                return 2;
            }
        }
        Shards.Merged merged = Shards.merge(names, results);
        Shards.Result r = merged.result();
        for (String problem : merged.problems()) err.println("storyloop swarm merge: " + problem);
        err.flush();
        out.printf("merged %d file(s): seeds %d..%d, %d run, %d failed%s%n", files.size(), r.rangeFrom(), r.rangeFrom() + r.rangeCount() - 1,
                r.seeds(), r.failed(), r.planted().isBlank() ? "" : " (planted: " + r.planted() + ")");
        SwarmCommand.printFailures(out, r);
        if (this.out != null) {
            Shards.write(this.out, r);
            out.println("merged result: " + this.out);
        }
        out.flush();
        if (!merged.complete()) return 2;
        return r.failed() == 0 ? 0 : 1;
    }
}
