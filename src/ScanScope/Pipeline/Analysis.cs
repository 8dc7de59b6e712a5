using System.Diagnostics;
using ScanScope.Capture;
using ScanScope.Features;
using ScanScope.Packets;
using ScanScope.Telescope;

namespace ScanScope.Pipeline;

/// <summary>One input of an analysis: a name for messages and a way to open its packet reader.</summary>
/// <param name="Name">File name (or any label).</param>
/// <param name="Open">Opens a fresh reader; called once, on the thread that reads the input.</param>
public sealed record PacketSource(string Name, Func<IPacketReader> Open)
{
    /// <summary>A capture file opened with <see cref="CaptureReader.Open"/>.</summary>
    public static PacketSource FromFile(string path) => new(path, () => CaptureReader.Open(path));
}

/// <summary>
/// The stage from packets to features in one pass: reads the inputs in parallel (one thread per
/// input), folds each into a partial state, merges the partial states, then builds the telescope
/// model, the feature table and the heavy-hitter marks.
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
        var total = new AnalysisPartial(options.PortListLimit);
        var mergeTicks = 0L;
        var filesDone = 0;
        var shared = new ProgressCounter(options.Progress, inputs.Count);
        Parallel.ForEach(
            inputs,
            new ParallelOptions { MaxDegreeOfParallelism = options.Threads, CancellationToken = cancellation },
            input =>
            {
                var partial = Fold(input, options, shared, cancellation);
                var started = Stopwatch.GetTimestamp();
                lock (total)
                {
                    total.Merge(partial);
                    filesDone++;
                    mergeTicks += Stopwatch.GetTimestamp() - started;
                    options.Progress?.Report(new AnalysisProgress(filesDone, inputs.Count, total.Counters.Records, total.Counters.Bytes));
                }
            });
        timings.Add(new StageTiming("read_and_fold", clock.Elapsed.TotalSeconds));
        timings.Add(new StageTiming("merge", Stopwatch.GetElapsedTime(0, mergeTicks).TotalSeconds));

        var origin = Origin(options);
        var tel = total.Telescope;
        var (windowStart, windowEnd) = Window(tel.Packets, tel.FirstNs, tel.LastNs, options);

        clock.Restart();
        var telescope = TelescopeModel.Build(tel, options.Telescope, windowStart, windowEnd, options.UptimeThreshold, options.UptimePeriodMinutes);
        timings.Add(new StageTiming("telescope", clock.Elapsed.TotalSeconds));

        clock.Restart();
        var rows = FeatureTable.Build(total.Sources, origin, options.BinSeconds, windowStart);
        timings.Add(new StageTiming("features", clock.Elapsed.TotalSeconds));

        clock.Restart();
        var (marked, heavy) = HeavyHitters.Mark(rows, telescope.ActiveObservers, options.HeavyHitterThreshold, options.KneeSensitivity, options.HeavyHitterCoverage);
        timings.Add(new StageTiming("heavy_hitters", clock.Elapsed.TotalSeconds));

        return new AnalysisResult
        {
            Inputs = [.. inputs.Select(i => i.Name)],
            Options = options,
            Counters = total.Counters,
            OutsideWindow = total.OutsideWindow,
            OutsideTelescope = total.OutsideTelescope,
            Filtered = total.Filtered,
            Used = total.Sources.Packets,
            WindowStartNs = windowStart,
            WindowEndNs = windowEnd,
            Telescope = telescope,
            Features = marked,
            HeavyHitters = heavy,
            Timings = timings,
            Warnings = Warnings(total, options),
        };
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

    /// <summary>Where bins are counted from: the given window start, else the Unix epoch.</summary>
    public static long Origin(AnalysisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.From is { } from ? from.ToUnixTimeMilliseconds() * 1_000_000L : 0L;
    }

    private static AnalysisPartial Fold(PacketSource input, AnalysisOptions options, ProgressCounter progress, CancellationToken cancellation)
    {
        var partial = new AnalysisPartial(options.PortListLimit);
        var binNs = options.BinSeconds * NsPerSecond;
        var from = options.From is { } f ? f.ToUnixTimeMilliseconds() * 1_000_000L : 0L;
        var to = options.To is { } t ? t.ToUnixTimeMilliseconds() * 1_000_000L : long.MaxValue;
        var space = options.Telescope;
        var filter = options.Filter;
        var sources = partial.Sources;
        var telescope = partial.Telescope;
        using var reader = input.Open();
        long outsideWindow = 0, outsideTelescope = 0, filtered = 0, n = 0;
        while (reader.TryRead(out var packet))
        {
            if ((++n & 0xFFFFF) == 0)
            {
                cancellation.ThrowIfCancellationRequested();
                progress.Add(reader.Counters);
            }

            var ts = packet.TimestampNs;
            if (ts < from || ts >= to)
            {
                outsideWindow++;
                continue;
            }

            if (space is not null && !space.Contains(packet.Dst))
            {
                outsideTelescope++;
                continue;
            }

            telescope.Add(packet.Dst, ts);
            if (!filter.Accepts(packet))
            {
                filtered++;
                continue;
            }

            sources.Add(packet, (uint)((ts - from) / binNs));
        }

        partial.Counters.Merge(reader.Counters);
        partial.OutsideWindow = outsideWindow;
        partial.OutsideTelescope = outsideTelescope;
        partial.Filtered = filtered;
        return partial;
    }

    private static List<string> Warnings(AnalysisPartial total, AnalysisOptions options)
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
        else if (total.Telescope.Packets == 0 && options.Telescope is not null)
        {
            warnings.Add($"no TCP packet reached the telescope range {options.Telescope}");
        }
        else if (total.Sources.Packets == 0)
        {
            warnings.Add($"no packet passed the filter ({options.Filter.Describe()})");
        }

        return warnings;
    }

    private sealed class ProgressCounter(IProgress<AnalysisProgress>? progress, int files)
    {
        private long _records;
        private long _bytes;
        private readonly Dictionary<CaptureCounters, (long Records, long Bytes)> _seen = [];

        public void Add(CaptureCounters counters)
        {
            if (progress is null)
            {
                return;
            }

            lock (_seen)
            {
                var before = _seen.GetValueOrDefault(counters);
                _records += counters.Records - before.Records;
                _bytes += counters.Bytes - before.Bytes;
                _seen[counters] = (counters.Records, counters.Bytes);
                progress.Report(new AnalysisProgress(0, files, _records, _bytes));
            }
        }
    }
}

/// <summary>Partial state of one or more inputs; merges into another.</summary>
internal sealed class AnalysisPartial(int portListLimit)
{
    public SourceAccumulator Sources { get; } = new(portListLimit);

    public TelescopeAccumulator Telescope { get; } = new();

    public CaptureCounters Counters { get; } = new();

    public long OutsideWindow { get; set; }

    public long OutsideTelescope { get; set; }

    public long Filtered { get; set; }

    public void Merge(AnalysisPartial other)
    {
        Sources.Merge(other.Sources);
        Telescope.Merge(other.Telescope);
        Counters.Merge(other.Counters);
        OutsideWindow += other.OutsideWindow;
        OutsideTelescope += other.OutsideTelescope;
        Filtered += other.Filtered;
    }
}
