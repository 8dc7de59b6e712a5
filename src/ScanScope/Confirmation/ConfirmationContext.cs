namespace ScanScope.Confirmation;

/// <summary>What confirmation needs to know about the telescope and the analysis window.</summary>
/// <param name="ActiveObservers">|O|: telescope addresses active over the window (uptime at or above the threshold).</param>
/// <param name="WindowStartNs">Start of the analysis window, ns since the Unix epoch.</param>
/// <param name="WindowEndNs">End of the analysis window, ns since the Unix epoch.</param>
/// <param name="BinSeconds">Bin width b of the features (default 300 s).</param>
public sealed record ConfirmationContext(int ActiveObservers, long WindowStartNs, long WindowEndNs, double BinSeconds = 300)
{
    /// <summary>
    /// The active observer addresses, when known. Probes to other addresses (dark or rarely up
    /// observers) are then left out of destination counts, so that E[H] = |O|/μ compares like with like.
    /// </summary>
    public IReadOnlySet<uint>? Observers { get; init; }

    /// <summary>|N|: addresses a full ZMap scan targets (all of IPv4 less the default blocklist).</summary>
    public double TargetSpace { get; init; } = ScanFormulas.DefaultAllowedTargets;

    /// <summary>Tuning of the algorithms; the defaults are documented in docs/confirmation.md.</summary>
    public ConfirmationOptions Options { get; init; } = new();
}

/// <summary>Parameters of scan segmentation, completeness and categories. Immutable; change with <c>with</c>.</summary>
public sealed record ConfirmationOptions
{
    /// <summary>A probe to the same destination by the same source within this many seconds of the previous one is a retry.</summary>
    public double RetryWindowSeconds { get; init; } = 60;

    /// <summary>k: a gap longer than k × the median gap of its segment ends a scan (a geometric gap exceeds it with probability about 2^-k).</summary>
    public double GapFactor { get; init; } = 20;

    /// <summary>Gaps shorter than this never end a scan (null: the bin width).</summary>
    public double? MinSplitGapSeconds { get; init; }

    /// <summary>A segment with fewer unique destinations than this is stray activity, not a scan.</summary>
    public int MinScanDestinations { get; init; } = 10;

    /// <summary>Repeat-split: the share of repeated destinations before the change point must be at most this…</summary>
    public double RepeatBefore { get; init; } = 0.1;

    /// <summary>…and after it at least this, for a segment to be cut into two scans.</summary>
    public double RepeatAfter { get; init; } = 0.3;

    /// <summary>Coverage merge: two pieces whose shared destinations exceed this share of the smaller stay apart.</summary>
    public double MergeMaxOverlap { get; init; } = 0.1;

    /// <summary>Coverage merge: a union covering more than (1 + this) × |O| is two scans.</summary>
    public double CoverageTolerance { get; init; } = 0.05;

    /// <summary>A host takes part in a scan when it hit at least this share of the median host's destinations in it.</summary>
    public double ParticipationShare { get; init; } = 0.1;

    /// <summary>A scan is a group scan when at least this share of the cluster's sources take part in it.</summary>
    public double GroupScanShare { get; init; } = 0.5;

    /// <summary>Share of host–destination pairs repeating another host's destination above which a scan is "several scans merged".</summary>
    public double MergedOverlap { get; init; } = 0.05;

    /// <summary>z: missing hosts beyond z standard errors of E[H] (hypergeometric) make a scan partial.</summary>
    public double CompletenessZ { get; init; } = 3;

    /// <summary>Missing hosts must also exceed this share of E[H] (observer uptime makes coverage fall short of |O|).</summary>
    public double CompletenessTolerance { get; init; } = 0.02;

    /// <summary>Coverage per scan below which repeated scans are "periodic-updating" (partial by design).</summary>
    public double PartialCoverage { get; init; } = 0.5;

    /// <summary>Two scans overlap in time when they share at least this share of the shorter one's duration.</summary>
    public double TimeOverlapShare { get; init; } = 0.5;

    /// <summary>Share of group scans overlapping another one in time that makes a cluster greedy.</summary>
    public double GreedyOverlapShare { get; init; } = 0.5;
}
