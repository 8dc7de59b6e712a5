using System.CommandLine;
using ScanScope.Capture;
using ScanScope.Packets;
using ScanScope.Pipeline;

namespace ScanScope.Cli;

/// <summary>
/// <c>capture stats INPUT...</c>: packets, bytes, time span, link types, skipped records by
/// reason, top destination ports and toolchain shares, as text or <c>--json</c>.
/// Files are read in parallel, one reader per file.
/// </summary>
internal static class CaptureStatsCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("INPUT")
        {
            Arity = ArgumentArity.OneOrMore,
            Description = "Capture files (pcap, pcapng, optionally .gz/.zst), folders, globs such as 'caps/*.pcap.gz', or - for standard input",
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };
        var strict = new Option<bool>("--strict") { Description = "Stop at the first damaged record instead of skipping and counting it" };
        var top = new Option<int>("--top") { Description = "How many destination ports to list", DefaultValueFactory = _ => 10 };
        var filters = new FilterOptions();
        var stats = new Command("stats", "Counts, time span, link types, skipped records by reason, top destination ports and toolchain shares");
        stats.Arguments.Add(inputs);
        stats.Options.Add(json);
        stats.Options.Add(strict);
        stats.Options.Add(top);
        filters.AddTo(stats);
        stats.SetAction(r => Guard(() =>
        {
            var options = CaptureReadOptions.Default with { Strict = r.GetValue(strict), Filter = filters.Build(r) };
            var files = FilterOptions.ExpandInputs(r.GetValue(inputs) ?? []);
            return Run(files, options, r.GetValue(json), Math.Max(0, r.GetValue(top)), Console.Out, Console.Error);
        }));

        var capture = new Command("capture", "Capture files");
        capture.Subcommands.Add(stats);
        return capture;
    }

    /// <summary>Runs the body; damaged input and bad arguments become one line on stderr and exit code 2.</summary>
    internal static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is CaptureFormatException or UsageException)
        {
            Console.Error.WriteLine($"scanscope: error: {e.Message}");
            return 2;
        }
    }

    /// <summary>Reads <paramref name="files"/> and prints the summary.</summary>
    internal static int Run(IReadOnlyList<string> files, CaptureReadOptions options, bool json, int top, TextWriter output, TextWriter error)
    {
        var (counters, stats) = Read(files, options);
        if (json)
        {
            WriteJson(files, counters, stats, top, output);
        }
        else
        {
            WriteText(counters, stats, top, output);
        }

        if (counters.FirstDamage is { } damage)
        {
            var n = counters.Skipped(SkipReason.DamagedRecord);
            error.WriteLine($"scanscope: warning: {damage} ({n} damaged record{(n == 1 ? "" : "s")} skipped; --strict stops at the first)");
        }

        return 0;
    }

    /// <summary>Reads every file in parallel, one reader each, and merges their counters.</summary>
    internal static (CaptureCounters Counters, CaptureStatistics Stats) Read(IReadOnlyList<string> files, CaptureReadOptions options)
    {
        var total = new CaptureCounters { Files = 0 };
        var stats = new CaptureStatistics();
        var merge = new Lock();
        using var progress = new Progress(files.Where(f => f != "-").Sum(f => new FileInfo(f).Length));
        try
        {
            Parallel.ForEach(
                files,
                new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                file =>
                {
                    using var reader = CaptureReader.Open(file, options);
                    var mine = new CaptureStatistics();
                    long reported = 0;
                    var n = 0;
                    while (reader.TryRead(out var p))
                    {
                        mine.Add(p);
                        if ((++n & 0xFFFF) == 0)
                        {
                            var done = reader.Counters.SourceBytes;
                            progress.Advance(done - reported);
                            reported = done;
                        }
                    }

                    var counters = reader.Counters;
                    progress.Advance(counters.SourceBytes - reported);
                    lock (merge)
                    {
                        total.Merge(counters);
                        stats.Merge(mine);
                    }
                });
        }
        catch (AggregateException e) when (e.InnerExceptions.FirstOrDefault(x => x is CaptureFormatException or IOException or UnauthorizedAccessException) is { } first)
        {
            throw first is CaptureFormatException ? first : new UsageException(first.Message);
        }

        return (total, stats);
    }

    private static void WriteText(CaptureCounters c, CaptureStatistics s, int top, TextWriter o)
    {
        o.WriteLine($"files        {c.Files} ({Progress.Bytes(c.SourceBytes)} read)");
        o.WriteLine($"records      {c.Records:N0} ({Progress.Bytes(c.Bytes)} captured)");
        o.WriteLine($"IPv4 TCP     {c.Packets:N0} kept ({s.Syns:N0} SYN)");
        o.WriteLine(c.Records == 0 || c.FirstTimestampNs > c.LastTimestampNs
            ? "time span    -"
            : $"time span    {Time(c.FirstTimestampNs)} to {Time(c.LastTimestampNs)} ({(c.LastTimestampNs - c.FirstTimestampNs) / 1e9:0.###} s)");
        o.WriteLine($"link types   {List(c.LinkTypes.OrderByDescending(x => x.Value).Select(x => $"{LinkName(x.Key)} {x.Value:N0}"))}");
        o.WriteLine($"skipped      {List(Reasons().Where(r => c.Skipped(r) > 0).Select(r => $"{ReasonName(r)} {c.Skipped(r):N0}"))}");
        o.WriteLine($"top ports    {List(s.TopPorts(top).Select(x => $"{x.Port} {Share(x.Packets, s.Packets)}"))}");
        o.WriteLine($"toolchains   {List(Enum.GetValues<Toolchain>().Where(t => s.Tool(t) > 0).OrderByDescending(s.Tool).Select(t => $"{Fingerprints.Name(t)} {Share(s.Tool(t), s.Packets)}"))}");
    }

    private static void WriteJson(IReadOnlyList<string> files, CaptureCounters c, CaptureStatistics s, int top, TextWriter o)
    {
        o.Write(AnalysisWriter.IndentedJson(w =>
        {
            w.WriteStartObject();
            AnalysisWriter.StringArray(w, "inputs", files);
            w.WriteNumber("source_bytes", c.SourceBytes);
            w.WriteNumber("records", c.Records);
            w.WriteNumber("bytes", c.Bytes);
            w.WriteNumber("packets", c.Packets);
            w.WriteNumber("syn_packets", s.Syns);
            if (c.Records > 0 && c.FirstTimestampNs <= c.LastTimestampNs)
            {
                w.WriteNumber("first_ns", c.FirstTimestampNs);
                w.WriteNumber("last_ns", c.LastTimestampNs);
                w.WriteString("first", Time(c.FirstTimestampNs));
                w.WriteString("last", Time(c.LastTimestampNs));
                w.WriteNumber("span_seconds", (c.LastTimestampNs - c.FirstTimestampNs) / 1e9);
            }

            w.WriteStartObject("link_types");
            foreach (var (link, n) in c.LinkTypes.OrderByDescending(x => x.Value))
            {
                w.WriteNumber(LinkName(link), n);
            }

            w.WriteEndObject();
            w.WriteStartObject("skipped");
            foreach (var r in Reasons())
            {
                w.WriteNumber(ReasonName(r), c.Skipped(r));
            }

            w.WriteEndObject();
            if (c.FirstDamage is { } damage)
            {
                w.WriteString("first_damage", damage);
            }

            w.WriteStartArray("top_ports");
            foreach (var (port, n) in s.TopPorts(top))
            {
                w.WriteStartObject();
                w.WriteNumber("port", port);
                w.WriteNumber("packets", n);
                w.WriteNumber("share", s.Packets == 0 ? 0 : (double)n / s.Packets);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartObject("toolchains");
            foreach (var t in Enum.GetValues<Toolchain>())
            {
                w.WriteStartObject(Fingerprints.Name(t));
                w.WriteNumber("packets", s.Tool(t));
                w.WriteNumber("share", s.Packets == 0 ? 0 : (double)s.Tool(t) / s.Packets);
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }));
    }

    private static IEnumerable<SkipReason> Reasons() => Enum.GetValues<SkipReason>().Where(r => r != SkipReason.None);

    /// <summary>Kebab-case name of a skip reason (ipv6, not-tcp, damaged-record, ...).</summary>
    internal static string ReasonName(SkipReason r) => r switch
    {
        SkipReason.Ipv6 => "ipv6",
        SkipReason.NotIp => "not-ip",
        SkipReason.NotTcp => "not-tcp",
        SkipReason.Fragment => "fragment",
        SkipReason.Truncated => "truncated",
        SkipReason.Malformed => "malformed",
        SkipReason.UnsupportedLinkType => "unsupported-link-type",
        SkipReason.DamagedRecord => "damaged-record",
        SkipReason.Filtered => "filtered",
        _ => r.ToString().ToLowerInvariant(),
    };

    private static string LinkName(LinkType link) => Enum.IsDefined(link) ? link.ToString().ToLowerInvariant() : $"linktype-{(int)link}";

    private static string Time(long ns) => DateTimeOffset.UnixEpoch.AddTicks(ns / 100).ToString("yyyy-MM-ddTHH:mm:ss.fffZ");

    private static string Share(long n, long total) => total == 0 ? "0%" : $"{100.0 * n / total:0.0}%";

    private static string List(IEnumerable<string> items)
    {
        var s = string.Join(", ", items);
        return s.Length == 0 ? "-" : s;
    }
}
