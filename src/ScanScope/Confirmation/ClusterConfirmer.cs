using ScanScope.Enrichment;

namespace ScanScope.Confirmation;

/// <summary>One cluster to confirm: its id and its sources' probes.</summary>
/// <param name="ClusterId">Cluster id as in clusters.csv.</param>
/// <param name="Sources">Each source's probes to the telescope.</param>
public sealed record ClusterInput(int ClusterId, IReadOnlyList<SourceEvents> Sources);

/// <summary>A host of a cluster that was active alone before the group's first scan (a test run, or an earlier tenant of a rented server).</summary>
/// <param name="ClusterId">Cluster id.</param>
/// <param name="Source">The host.</param>
/// <param name="FirstSeen">Its first probe.</param>
/// <param name="GroupStart">Start of the group's first scan.</param>
/// <param name="ProbesBefore">Probes it sent before the group started (retries included).</param>
/// <param name="PortsBefore">The ports of those probes, ascending, space-separated.</param>
public sealed record EarlyHost(int ClusterId, uint Source, DateTime FirstSeen, DateTime GroupStart, int ProbesBefore, string PortsBefore);

/// <summary>Everything confirmation found about one cluster.</summary>
public sealed class ClusterConfirmation
{
    internal ClusterConfirmation(int clusterId, IReadOnlyList<uint> sources, List<Scan> scans, List<Scan> groupScans,
        ScanCategory category, Scan? reference, ClusterSummary summary, List<EarlyHost> earlyHosts, long totalHits)
    {
        ClusterId = clusterId;
        Sources = sources;
        Scans = scans;
        GroupScans = groupScans;
        Category = category;
        ReferenceScan = reference;
        Summary = summary;
        EarlyHosts = earlyHosts;
        TotalHits = totalHits;
    }

    /// <summary>Cluster id.</summary>
    public int ClusterId { get; }

    /// <summary>The cluster's sources.</summary>
    public IReadOnlyList<uint> Sources { get; }

    /// <summary>Every scan found, by port then time.</summary>
    public IReadOnlyList<Scan> Scans { get; }

    /// <summary>The scans in which most of the cluster's hosts take part.</summary>
    public IReadOnlyList<Scan> GroupScans { get; }

    /// <summary>Scanning behaviour.</summary>
    public ScanCategory Category { get; }

    /// <summary>The scan the summary's Jaccard, E[H] and verdict come from (the group scan with the most hosts), or null.</summary>
    public Scan? ReferenceScan { get; }

    /// <summary>The cluster_summary.csv row.</summary>
    public ClusterSummary Summary { get; }

    /// <summary>Hosts active alone before the group's first scan.</summary>
    public IReadOnlyList<EarlyHost> EarlyHosts { get; }

    /// <summary>Probes of the cluster after folding retries (to observers, when those are known).</summary>
    public long TotalHits { get; }

    /// <summary>The scans.csv rows.</summary>
    public IEnumerable<ScanRow> ScanRows => Scans.Select(s => s.ToRow(ClusterId));
}

/// <summary>Confirms a cluster as a scan campaign: scans per port, Jaccard, E[H], completeness, category, subnets, geography.</summary>
public static class ClusterConfirmer
{
    /// <summary>Confirms one cluster. <paramref name="enricher"/> may be null: countries and organizations are then unknown.</summary>
    public static ClusterConfirmation Confirm(ClusterInput input, ConfirmationContext context, IIpEnricher? enricher = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        var options = context.Options;
        var sources = input.Sources;
        var portHits = PortHits.ByPort(sources, (long)(options.RetryWindowSeconds * 1e9), context.Observers);
        var totalHits = portHits.Sum(p => (long)p.Count);

        var scans = new List<Scan>();
        var addresses = sources.Select(s => s.Source).ToArray();
        var probes = ScratchArrays<ulong>.Rent(portHits.Count == 0 ? 0 : portHits.Max(p => p.Count));
        foreach (var hits in portHits)
        {
            var number = 0;
            foreach (var (from, to) in ScanSegmenter.Segment(hits, context))
            {
                var span = hits.Hits;
                for (var i = from; i < to; i++)
                {
                    probes[i - from] = ((ulong)span[i].D << 32) | (uint)span[i].H;
                }

                scans.Add(new Scan(hits.Port, hits.Time(from), hits.Time(to - 1), probes.AsSpan(0, to - from), addresses, to - from, context) { Number = number++ });
            }
        }

        ScratchArrays<ulong>.Return(probes);
        PortHits.Release(portHits);

        var groupScans = ScanCategorizer.GroupScans(sources.Count, scans, options);
        var category = ScanCategorizer.Categorize(sources.Count, scans, totalHits, options);
        var reference = groupScans
            .OrderByDescending(s => s.Hosts)
            .ThenBy(s => s.Overlap)
            .ThenByDescending(s => s.UniqueDestinations)
            .ThenBy(s => s.StartNs)
            .FirstOrDefault()
            ?? scans.OrderByDescending(s => s.Hosts).ThenByDescending(s => s.UniqueDestinations).FirstOrDefault();

        var summary = ClusterSummary.Create(input.ClusterId, addresses, scans, category, reference, enricher);
        var early = FindEarlyHosts(input.ClusterId, sources, groupScans, context);
        return new ClusterConfirmation(input.ClusterId, addresses, scans, groupScans, category, reference, summary, early, totalHits);
    }

    /// <summary>Hosts with probes more than one bin before the first group scan starts.</summary>
    private static List<EarlyHost> FindEarlyHosts(int clusterId, IReadOnlyList<SourceEvents> sources, List<Scan> groupScans, ConfirmationContext context)
    {
        var result = new List<EarlyHost>();
        if (groupScans.Count == 0)
        {
            return result;
        }

        var groupStart = groupScans.Min(s => s.StartNs);
        var cutoff = groupStart - (long)(context.BinSeconds * 1e9);
        foreach (var s in sources)
        {
            var before = 0;
            var ports = new SortedSet<ushort>();
            for (var i = 0; i < s.Count && s.TimesNs[i] < cutoff; i++)
            {
                before++;
                ports.Add(s.Ports[i]);
            }

            if (before > 0)
            {
                result.Add(new EarlyHost(clusterId, s.Source, ToDateTime(s.TimesNs[0]), ToDateTime(groupStart), before, string.Join(' ', ports)));
            }
        }

        return result;
    }

    internal static DateTime ToDateTime(long ns) => DateTimeOffset.UnixEpoch.AddTicks(ns / 100).UtcDateTime;
}
