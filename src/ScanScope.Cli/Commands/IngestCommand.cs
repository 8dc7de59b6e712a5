using System.CommandLine;
using ScanScope.Capture;
using ScanScope.Storage;
using ScanScope.Storage.ClickHouse;
using ScanScope.Storage.Packets;

namespace ScanScope.Cli;

/// <summary>
/// <c>scanscope ingest INPUT... --store DIR | --clickhouse URL</c>: keeps the parsed packets of
/// captures in a Parquet packet store or a ClickHouse table, once per input file.
/// </summary>
internal static class IngestCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("INPUT")
        {
            Description = "capture files, folders (all files in them, recursively) or globs",
            Arity = ArgumentArity.OneOrMore,
        };
        var store = new Option<string?>("--store") { Description = "packet store folder: Parquet partitioned by hour, with a manifest of ingested files" };
        var clickhouse = new ClickHouseCliOptions("ClickHouse HTTP URL; repeat it to create the tables on every shard's server, the first one takes the inserts");
        var force = new Option<bool>("--force") { Description = "ingest files again even when the store has them, replacing their rows (packet store only)" };
        var allTcp = new Option<bool>("--all-tcp") { Description = "keep every TCP packet, not only SYN probes" };

        var command = new Command("ingest", "Store the parsed packets of captures in a Parquet packet store (--store) or ClickHouse (--clickhouse).")
        {
            inputs, store, force, allTcp,
        };
        clickhouse.AddTo(command);
        command.SetAction(parse =>
        {
            try
            {
                return Run(parse);
            }
            catch (Exception e) when (e is UsageException or StorageException or CaptureFormatException)
            {
                // Reported here as well as in Cli.Run: System.CommandLine's default handler would
                // otherwise print a stack trace for an exception thrown inside an action.
                Console.Error.WriteLine($"scanscope: error: {e.Message}");
                return 2;
            }
        });
        return command;

        int Run(ParseResult parse)
        {
            var files = ExpandInputs(parse.GetValue(inputs) ?? []);
            var filter = parse.GetValue(allTcp) ? StoredPackets.AllTcp : StoredPackets.Syn;
            var storeDir = parse.GetValue(store);
            var urls = parse.GetValue(clickhouse.Urls) ?? [];
            if (storeDir is null && !clickhouse.Given(parse))
            {
                throw new UsageException("ingest needs --store DIR or --clickhouse URL");
            }

            try
            {
                if (storeDir is not null)
                {
                    IngestToStore(files, storeDir, filter, parse.GetValue(force));
                }

                if (urls.Length > 0 || storeDir is null)
                {
                    if (parse.GetValue(force))
                    {
                        throw new UsageException("--force works with --store only: ClickHouse rows cannot be replaced per file; drop the tables to ingest again");
                    }

                    var options = clickhouse.Build(parse);
                    IngestToClickHouse(files, options, urls.Skip(1), filter);
                }
            }
            catch (StorageException e)
            {
                throw new UsageException(e.Message);
            }

            return 0;
        }
    }

    private static void IngestToStore(List<string> files, string directory, StoredPackets filter, bool force)
    {
        var store = PacketStore.OpenOrCreate(directory, filter);
        long kept = 0;
        foreach (var file in files)
        {
            var result = store.Ingest(file, force);
            var what = result.Action switch
            {
                IngestAction.Ingested => $"ingested {result.File.PacketsKept} of {result.File.PacketsRead} packets",
                IngestAction.Replaced => $"replaced with {result.File.PacketsKept} of {result.File.PacketsRead} packets",
                IngestAction.SkippedUnchanged => "skipped: already in the store (--force to redo)",
                _ => $"skipped: same content as {result.File.Path} (--force to ingest anyway)",
            };
            Console.WriteLine($"{file}: {what}");
            kept += result.Action is IngestAction.Ingested or IngestAction.Replaced ? result.File.PacketsKept : 0;
        }

        Console.WriteLine($"{store.Directory}: {kept} packets added; {store.Files.Count} files, {store.Files.Sum(f => f.PacketsKept)} packets in the store");
    }

    private static void IngestToClickHouse(List<string> files, ClickHouseOptions options, IEnumerable<string> otherNodes, StoredPackets filter)
    {
        var nodes = new List<ClickHouseClient> { new(options) };
        nodes.AddRange(otherNodes.Select(url => new ClickHouseClient(options with { Url = ClickHouseOptions.FromEnvironment(url).Url })));
        try
        {
            ClickHouseStore.CreateTables(nodes);
            long total = 0;
            foreach (var file in files)
            {
                var sent = ClickHouseStore.Ingest(nodes[0], file, filter);
                Console.WriteLine(sent is null ? $"{file}: skipped: already ingested" : $"{file}: ingested {sent} packets");
                total += sent ?? 0;
            }

            Console.WriteLine($"{options.Url} {options.Database}.{options.Target}: {total} packets added");
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Dispose();
            }
        }
    }

    /// <summary>Files as given, every file under a folder (sorted), and the matches of a file-name glob.</summary>
    internal static List<string> ExpandInputs(IEnumerable<string> inputs)
    {
        var files = new List<string>();
        foreach (var input in inputs)
        {
            if (File.Exists(input))
            {
                files.Add(input);
            }
            else if (Directory.Exists(input))
            {
                files.AddRange(Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
                    .Where(f => !Path.GetFileName(f).StartsWith('.'))
                    .Order(StringComparer.Ordinal));
            }
            else if (input.AsSpan().IndexOfAny('*', '?') >= 0)
            {
                var folder = Path.GetDirectoryName(input) is { Length: > 0 } d ? d : ".";
                var matches = Directory.Exists(folder)
                    ? Directory.EnumerateFiles(folder, Path.GetFileName(input)).Order(StringComparer.Ordinal).ToList()
                    : [];
                if (matches.Count == 0)
                {
                    throw new UsageException($"{input}: no file matches");
                }

                files.AddRange(matches);
            }
            else
            {
                throw new UsageException($"{input}: no such file or folder");
            }
        }

        return files;
    }
}
