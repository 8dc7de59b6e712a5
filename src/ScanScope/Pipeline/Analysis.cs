using System.Diagnostics;
using ScanScope.Capture;
using ScanScope.Features;
using ScanScope.Packets;
using ScanScope.Telescope;

namespace ScanScope.Pipeline;

/// <summary>One input of an analysis: a name for messages and a way to open its packet reader.</summary>
/// <param name="Name">File name (or any label).</param>
/// <param name="Open">Opens a fresh reader, on the thread that reads the input: once, or once per fold thread when <see cref="CheapToReread"/>.</param>
public sealed record PacketSource(string Name, Func<IPacketReader> Open)
{
    /// <summary>
    /// True when <see cref="Open"/> may be called again for a second reader of the same packets and
    /// reading is cheap next to folding (an uncompressed regular file): each fold thread then reads
    /// the input itself instead of taking batches from a shared reader.
    /// </summary>
    public bool CheapToReread { get; init; }

    /// <summary>
    /// The path of an uncompressed classic pcap file, which the fold may cut into slices at record
    /// starts, each read by one thread; null for anything else.
    /// </summary>
    internal string? SlicePath { get; init; }

    /// <summary>A capture file opened with <see cref="CaptureReader.Open"/>.</summary>
    public static PacketSource FromFile(string path)
    {
        var pcap = CaptureReader.IsPlainPcap(path);
        return new(path, () => CaptureReader.Open(path)) { CheapToReread = pcap || CaptureReader.IsPlainFile(path), SlicePath = pcap ? path : null };
    }
}

/// <summary>
/// The stage from packets to features in one pass: reads the inputs in batches and folds them on
/// <see cref="AnalysisOptions.Threads"/> threads, each owning the sources and observers whose
/// address hashes to it (<see cref="PartitionedFold"/>), then builds the telescope model, the
/// feature table and the heavy-hitter marks.
/// </summary>
public static class Analysis
{
    private const long NsPerSecond = 1_000_000_000L;

    /// <summary>Analyzes capture files.</summary>
    public static AnalysisResult Run(IReadOnlyList<string> paths, AnalysisOptions options, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        return Run([.. paths.Select(PacketSource.FromFile)], options, cancellation);
    }

    /// <summary>Analyzes packet sources (files, or readers over memory in tests).</summary>
    public static AnalysisResult Run(IReadOnlyList<PacketSource> inputs, AnalysisOptions options, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var timings = new List<StageTiming>();
        var clock = Stopwatch.StartNew();
        var shared = new ProgressCounter(options.Progress, inputs.Count);
        var (parts, counters) = PartitionedFold.Run(inputs, options, shared.Add, cancellation);
        timings.Add(new StageTiming("read_and_fold", clock.Elapsed.TotalSeconds));

        // Partitions share no source and no observer: nothing to merge; the telescope model asks the parts.
        clock.Restart();
        var tel = new PartitionedTelescope([.. parts.Select(p => p.Telescope)]);

        var sources = parts.Select(p => p.Sources).ToArray();
        var total = new AnalysisTotals(
            counters,
            parts.Sum(p => p.OutsideWindow),
            parts.Sum(p => p.OutsideTelescope),
            parts.Sum(p => p.Filtered),
            tel.Packets,
            sources.Sum(s => s.Packets));

        var origin = Origin(options);
        var (windowStart, windowEnd) = Window(tel.Packets, tel.FirstNs, tel.LastNs, options);
        var telescope = TelescopeModel.Build(tel, options.Telescope, windowStart, windowEnd, options.UptimeThreshold, options.UptimePeriodMinutes);
        timings.Add(new StageTiming("telescope", clock.Elapsed.TotalSeconds));

        clock.Restart();
        var rows = FeatureTable.Build(sources, origin, options.BinSeconds, windowStart);
        timings.Add(new StageTiming("features", clock.Elapsed.TotalSeconds));

        clock.Restart();
        var (marked, heavy) = MarkHeavyHitters(rows, telescope, options);
        timings.Add(new StageTiming("heavy_hitters", clock.Elapsed.TotalSeconds));

        return new AnalysisResult
        {
            Inputs = [.. inputs.Select(i => i.Name)],
            Options = options,
            Counters = counters,
            OutsideWindow = total.OutsideWindow,
            OutsideTelescope = total.OutsideTelescope,
            Filtered = total.Filtered,
            Used = total.Used,
            WindowStartNs = windowStart,
            WindowEndNs = windowEnd,
            Telescope = telescope,
            Features = marked,
            HeavyHitters = heavy,
            Timings = timings,
            Warnings = Warnings(total, options),
            Probes = KeptProbes(parts),
        };
    }

    // The partitions' probe logs as one, when every partition kept its own (else the kept ones are freed).
    private static ProbeLog? KeptProbes(AnalysisPartial[] parts)
    {
        if (parts.All(p => p.ProbeLog is not null))
        {
            return new ProbeLog([.. parts.Select(p => p.ProbeLog!)]);
        }

        foreach (var block in parts.SelectMany(p => p.ProbeLog ?? []))
        {
            block.Dispose();
        }

        return null;
    }

    /// <summary>
    /// The analysis window from the span of the packets to the telescope: from the given start, or
    /// the start of the bin (counted from the Unix epoch) of the first packet; to the given end, or
    /// the end of the last packet's bin. Every engine that counts packets uses this.
    /// </summary>
    public static (long StartNs, long EndNs) Window(long packets, long firstNs, long lastNs, AnalysisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var binNs = options.BinSeconds * NsPerSecond;
        var origin = Origin(options);
        if (packets == 0)
        {
            return (origin, options.To is { } t0 ? t0.ToUnixTimeMilliseconds() * 1_000_000L : origin);
        }

        var start = options.From is null ? origin + ((firstNs - origin) / binNs * binNs) : origin;
        var end = options.To is { } to ? to.ToUnixTimeMilliseconds() * 1_000_000L : origin + ((((lastNs - origin) / binNs) + 1) * binNs);
        return (start, end);
    }

    /// <summary>Heavy hitters as the options ask (coverage measure, knee or fixed threshold); every engine uses this.</summary>
    public static (IReadOnlyList<FeatureRow> Rows, HeavyHitterResult Result) MarkHeavyHitters(IReadOnlyList<FeatureRow> rows, TelescopeModel telescope, AnalysisOptions options)
    {
        ArgumentNullException.ThrowIfNull(telescope);
        ArgumentNullException.ThrowIfNull(options);
        return HeavyHitters.Mark(rows, telescope.ActiveObservers, options.HeavyHitterThreshold, options.KneeSensitivity, options.HeavyHitterCoverage);
    }

    /// <summary>Where bins are counted from: the given window start, else the Unix epoch.</summary>
    public static long Origin(AnalysisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.From is { } from ? from.ToUnixTimeMilliseconds() * 1_000_000L : 0L;
    }

    private static List<string> Warnings(AnalysisTotals total, AnalysisOptions options)
    {
        var warnings = new List<string>();
        if (total.Counters.Packets == 0)
        {
            warnings.Add(total.Counters.Records == 0 ? "the input holds no packets" : $"no IPv4 TCP packet among {total.Counters.Records} records");
        }
        else if (total.OutsideWindow == total.Counters.Packets)
        {
            warnings.Add($"none of the {total.Counters.Packets} TCP packets is inside the time window");
        }
        else if (total.TelescopePackets == 0 && options.Telescope is not null)
        {
            warnings.Add($"no TCP packet reached the telescope range {options.Telescope}");
        }
        else if (total.Used == 0)
        {
            warnings.Add($"no packet passed the filter ({options.Filter.Describe()})");
        }

        return warnings;
    }

    private sealed class ProgressCounter(IProgress<AnalysisProgress>? progress, int files)
    {
        private long _records;
        private long _bytes;
        private int _filesDone;
        private readonly Dictionary<CaptureCounters, (long Records, long Bytes)> _seen = [];

        public void Add(CaptureCounters counters, bool fileDone)
        {
            if (progress is null)
            {
                return;
            }

            lock (_seen)
            {
                var before = _seen.GetValueOrDefault(counters);
                _records += counters.Records - before.Records;
                _bytes += counters.SourceBytes - before.Bytes;
                _seen[counters] = (counters.Records, counters.SourceBytes);
                if (fileDone)
                {
                    _filesDone++;
                    _seen.Remove(counters);
                }

                progress.Report(new AnalysisProgress(_filesDone, files, _records, _bytes));
            }
        }
    }
}

/// <summary>What the partitions counted, summed.</summary>
internal sealed record AnalysisTotals(CaptureCounters Counters, long OutsideWindow, long OutsideTelescope, long Filtered, long TelescopePackets, long Used);

/// <summary>Partial state of one partition of the sources and observers.</summary>
internal sealed class AnalysisPartial(int portListLimit)
{
    public SourceAccumulator Sources { get; } = new(portListLimit);

    public TelescopeAccumulator Telescope { get; } = new();

    public long OutsideWindow { get; set; }

    public long OutsideTelescope { get; set; }

    public long Filtered { get; set; }

    /// <summary>The partition's packets that made the features, one block per flush of the hold-back buffer (grouped by source, each source in time order); null when not kept.</summary>
    internal List<LogBlock>? ProbeLog { get; set; }
}
