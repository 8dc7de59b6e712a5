using ScanScope.Features;
using ScanScope.Telescope;

namespace ScanScope.Pipeline;

/// <summary>Settings of <see cref="Analysis"/>; immutable, change with <c>with</c>.</summary>
public sealed record AnalysisOptions
{
    /// <summary>Bin width b in seconds (thesis: 300).</summary>
    public int BinSeconds { get; init; } = 300;

    /// <summary>Uptime at or above which an observer is active and counts in |O| (the thesis' observers were at 97% or more).</summary>
    public double UptimeThreshold { get; init; } = 0.9;

    /// <summary>
    /// Minutes per uptime period: 1 is the thesis (an observer is up in a minute when it received
    /// anything); null chooses the period from the traffic rate (<see cref="Telescope.TelescopeModel.ChoosePeriod"/>).
    /// </summary>
    public int? UptimePeriodMinutes { get; init; } = 1;

    /// <summary>Threads that fold packets into features; each owns the sources and observers whose address hashes to it, also within one file (plus a reader thread when more than one).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>How far (in batches of 4,096 packets, ~256 MB of capture) a worker reading the inputs itself may run ahead of the slowest (tests set it small).</summary>
    internal long SelfReadingLead { get; init; } = 1024;

    /// <summary>Packets a sliced fold reads per batch, between checks for a worker asking to take over part of the slice (tests make it tiny).</summary>
    internal int SliceBatch { get; init; } = 4096;

    /// <summary>Bytes a slice must have left for a worker done with its own to take over half of them (tests make it 1).</summary>
    internal long TakeOverBytes { get; init; } = 8 << 20;

    /// <summary>The observed space; null infers it from the destinations (<see cref="TelescopeSpace.Infer"/>).</summary>
    public TelescopeSpace? Telescope { get; init; }

    /// <summary>Window start: packets before it are skipped, and bins and feature times count from it. Null: the first packet's bin start.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Window end (exclusive): packets at or after it are skipped. Null: after the last packet's bin.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Which packets count for the features (TCP SYN by default); the telescope model sees every TCP packet in the window.</summary>
    public IPacketPredicate Filter { get; init; } = SynPredicate.Instance;

    /// <summary>A fixed coverage threshold for heavy hitters; null finds the knee of the coverage curve.</summary>
    public double? HeavyHitterThreshold { get; init; }

    /// <summary>Which coverage tells heavy hitters apart (the thesis: total coverage at the knee).</summary>
    public HeavyHitterCoverage HeavyHitterCoverage { get; init; } = HeavyHitterCoverage.Total;

    /// <summary>Kneedle sensitivity S for the heavy-hitter knee.</summary>
    public double KneeSensitivity { get; init; } = 1.0;

    /// <summary>Ports listed per source (with their destination counts), the smallest port numbers first.</summary>
    public int PortListLimit { get; init; } = 32;

    /// <summary>
    /// Memory for keeping, from the fold, every packet that made the features (14 bytes each: time, destination, port; the source once per run), so that
    /// the probes of the sources clustered later are served without reading the inputs again
    /// (<see cref="AnalysisResult.Probes"/>). 0 keeps none; a fold that outgrows it drops what it kept.
    /// </summary>
    public long ProbeLogBytes { get; init; }

    /// <summary>Told after each file and every few million packets; null for none.</summary>
    public IProgress<AnalysisProgress>? Progress { get; init; }

    internal void Validate()
    {
        if (BinSeconds < 1)
        {
            throw new ArgumentException($"the bin width must be at least 1 second, not {BinSeconds}");
        }

        if (UptimeThreshold is < 0 or > 1 || double.IsNaN(UptimeThreshold))
        {
            throw new ArgumentException($"the uptime threshold must be from 0 to 1, not {UptimeThreshold}");
        }

        if (Threads < 1)
        {
            throw new ArgumentException($"threads must be at least 1, not {Threads}");
        }

        if (From is { } f && To is { } t && t <= f)
        {
            throw new ArgumentException("the window end must be after its start");
        }

        if (From is { } from && from.ToUnixTimeMilliseconds() < 0)
        {
            throw new ArgumentException("the window cannot start before 1970");
        }

        if (PortListLimit is < 0 or > Features.PortDestinations.MaxLimit)
        {
            throw new ArgumentException($"the port-list limit must be from 0 to {Features.PortDestinations.MaxLimit}");
        }
    }
}

/// <summary>How far an analysis has come.</summary>
/// <param name="FilesDone">Inputs read completely.</param>
/// <param name="Files">Inputs in all.</param>
/// <param name="Records">Capture records read so far.</param>
/// <param name="Bytes">Bytes of the input files consumed so far (compressed bytes for .gz/.zst).</param>
public readonly record struct AnalysisProgress(int FilesDone, int Files, long Records, long Bytes);
