namespace ScanScope.Confirmation;

/// <summary>One scan of one destination port inside a cluster (a row of scans.csv, with the sets behind it).</summary>
public sealed class Scan
{
    private readonly Dictionary<uint, HashSet<uint>> _hostDestinations;
    private readonly HashSet<uint> _destinations;

    internal Scan(ushort port, long startNs, long endNs, Dictionary<uint, HashSet<uint>> activeHosts, int hits, ConfirmationContext context)
    {
        Port = port;
        StartNs = startNs;
        EndNs = endNs;
        Hits = hits;
        ActiveHosts = activeHosts.Count;

        // Hosts with a handful of hits in the window (noise, a test probe) are not shards of the scan
        // and would drag μ down: a host takes part when it reached a share of the median host's count.
        var counts = activeHosts.Values.Select(s => s.Count).Order().ToArray();
        var median = counts.Length == 0 ? 0 : counts[counts.Length / 2];
        var minimum = Math.Max(1, context.Options.ParticipationShare * median);
        _hostDestinations = activeHosts.Where(kv => kv.Value.Count >= minimum).ToDictionary(kv => kv.Key, kv => kv.Value);
        _destinations = [];
        foreach (var set in activeHosts.Values)
        {
            _destinations.UnionWith(set);
        }

        var participating = new HashSet<uint>();
        var pairs = 0;
        foreach (var set in _hostDestinations.Values)
        {
            participating.UnionWith(set);
            pairs += set.Count;
        }

        Hosts = _hostDestinations.Count;
        DestinationsPerHost = Hosts == 0 ? 0 : pairs / (double)Hosts;
        Overlap = pairs == 0 ? 0 : 1 - (participating.Count / (double)pairs);
        Multiplicity = participating.Count == 0 ? 0 : pairs / (double)participating.Count;
        Coverage = _destinations.Count / (double)context.ActiveObservers;
        Jaccard = PairwiseJaccard.Mean([.. _hostDestinations.Values]);
        var judged = Completeness.Judge(Hosts, DestinationsPerHost, Overlap, context);
        var edge = (long)(context.BinSeconds * 1e9);
        if (judged.Kind == CompletenessKind.Partial && (startNs - context.WindowStartNs < edge || context.WindowEndNs - endNs < edge))
        {
            // Hosts that are still scanning when the capture ends (or began before it) hit fewer
            // destinations than their share: μ is low and E[H] too high, so "hosts missing" would mislead.
            judged = judged with { Kind = CompletenessKind.CutByWindow };
        }

        Completeness = judged;
    }

    /// <summary>Destination port.</summary>
    public ushort Port { get; }

    /// <summary>Number of this scan among the cluster's scans of the same port, in time order from 0.</summary>
    public int Number { get; internal set; }

    /// <summary>First probe, ns since the Unix epoch.</summary>
    public long StartNs { get; }

    /// <summary>Last probe, ns since the Unix epoch.</summary>
    public long EndNs { get; }

    /// <summary>Duration in seconds.</summary>
    public double DurationSeconds => (EndNs - StartNs) / 1e9;

    /// <summary>Probes in the scan after folding retries.</summary>
    public int Hits { get; }

    /// <summary>Unique destinations probed by any host.</summary>
    public int UniqueDestinations => _destinations.Count;

    /// <summary>Hosts with any probe in the scan.</summary>
    public int ActiveHosts { get; }

    /// <summary>Hosts taking part (at least <see cref="ConfirmationOptions.ParticipationShare"/> of the median host's destinations).</summary>
    public int Hosts { get; }

    /// <summary>μ: mean unique destinations per taking-part host.</summary>
    public double DestinationsPerHost { get; }

    /// <summary>Mean pairwise Jaccard index of the taking-part hosts' destination sets (0 for one sharded scan).</summary>
    public double Jaccard { get; }

    /// <summary>Share of host–destination pairs that repeat another host's destination (0 for one sharded scan).</summary>
    public double Overlap { get; }

    /// <summary>Host–destination pairs per unique destination: about the number of scans overlapping in this one.</summary>
    public double Multiplicity { get; }

    /// <summary>Unique destinations / |O|.</summary>
    public double Coverage { get; }

    /// <summary>E[H] = |O| / μ.</summary>
    public double ExpectedHosts => Completeness.ExpectedHosts;

    /// <summary>Found hosts against E[H].</summary>
    public Completeness Completeness { get; }

    /// <summary>The unique destinations of the scan.</summary>
    public IReadOnlySet<uint> Destinations => _destinations;

    /// <summary>Each taking-part host (by source address) and its destinations in the scan.</summary>
    public IReadOnlyDictionary<uint, HashSet<uint>> HostDestinations => _hostDestinations;

    /// <summary>The scans.csv row.</summary>
    public ScanRow ToRow(int clusterId) => new(
        clusterId, Port, Number, UniqueDestinations, DateTimeOffset.UnixEpoch.AddTicks(StartNs / 100).UtcDateTime,
        DurationSeconds, DestinationsPerHost, Jaccard, ExpectedHosts, Hosts, Coverage, Completeness.Text);
}

/// <summary>A row of scans.csv: <c>cluster_id,port,scan,unique_dst,start,duration_s,dst_per_host,jaccard,expected_hosts</c>, then hosts, coverage, verdict.</summary>
public sealed record ScanRow(
    int ClusterId, ushort Port, int Scan, int UniqueDestinations, DateTime Start, double DurationSeconds,
    double DestinationsPerHost, double Jaccard, double ExpectedHosts, int Hosts, double Coverage, string Verdict);
