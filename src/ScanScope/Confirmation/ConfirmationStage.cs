using ScanScope.Enrichment;

namespace ScanScope.Confirmation;

/// <summary>What the confirmation stage hands to reporting and storage.</summary>
public sealed class ConfirmationResult
{
    internal ConfirmationResult(IReadOnlyList<ClusterConfirmation> clusters, IReadOnlyList<MergeSuggestion> merges, IReadOnlyList<string> attributions)
    {
        Clusters = clusters;
        MergeSuggestions = merges;
        Attributions = attributions;
    }

    /// <summary>Every cluster, by id.</summary>
    public IReadOnlyList<ClusterConfirmation> Clusters { get; }

    /// <summary>Pairs of clusters that look like one group seen apart, best first.</summary>
    public IReadOnlyList<MergeSuggestion> MergeSuggestions { get; }

    /// <summary>Data sources to credit (empty without geo databases).</summary>
    public IReadOnlyList<string> Attributions { get; }

    /// <summary>cluster_summary, scans, early_hosts and merge_suggestions, for CSV files and DuckDB tables.</summary>
    public IReadOnlyList<Table> Tables() =>
    [
        ConfirmationTables.ClusterSummaries(Clusters.Select(c => c.Summary)),
        ConfirmationTables.Scans(Clusters.SelectMany(c => c.ScanRows)),
        ConfirmationTables.EarlyHosts(Clusters.SelectMany(c => c.EarlyHosts)),
        ConfirmationTables.MergeSuggestions(MergeSuggestions),
    ];
}

/// <summary>Runs confirmation over all clusters: the entry point the <c>analyze</c> pipeline calls.</summary>
public static class ConfirmationStage
{
    /// <summary>
    /// Confirms every cluster (in parallel; each cluster is independent) and looks for split
    /// clusters. Noise (−1) and heavy hitters (−2) should not be passed in.
    /// </summary>
    public static ConfirmationResult Run(IEnumerable<ClusterInput> clusters, ConfirmationContext context, IIpEnricher? enricher = null)
        => Combine(Confirm(clusters, context, enricher), context, enricher);

    /// <summary>
    /// Confirms some of the clusters (in parallel); <see cref="Combine"/> then takes the confirmations
    /// of all of them. Lets a caller hold the probes of a few clusters at a time.
    /// </summary>
    public static IReadOnlyList<ClusterConfirmation> Confirm(IEnumerable<ClusterInput> clusters, ConfirmationContext context, IIpEnricher? enricher = null)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        ArgumentNullException.ThrowIfNull(context);
        var inputs = clusters.ToArray();
        var confirmed = new ClusterConfirmation[inputs.Length];

        // The enricher caches lookups in a dictionary: look the sources up once, before going parallel.
        var shared = enricher is null ? null : new PrefetchedEnricher(enricher, inputs.SelectMany(c => c.Sources.Select(s => s.Source)));

        // Largest first, one worker per core taking the next cluster when it is done (longest
        // processing time first): the clusters' sizes span orders of magnitude, and with the
        // runtime's range partitioning the largest cluster of a 2·10^8-packet capture (2.8·10^7
        // probes) started sixth of eight, so it ran alone at the end. Largest first also lets the
        // scratch arrays of the first clusters serve the later ones.
        var order = Enumerable.Range(0, inputs.Length).OrderByDescending(i => inputs[i].Sources.Sum(s => (long)s.Count)).ThenBy(i => i).ToArray();
        var next = -1;
        try
        {
            Parallel.For(0, Math.Min(Environment.ProcessorCount, inputs.Length), _ =>
            {
                for (int k; (k = Interlocked.Increment(ref next)) < order.Length;)
                {
                    var i = order[k];
                    confirmed[i] = ClusterConfirmer.Confirm(inputs[i], context, shared);
                }
            });
        }
        finally
        {
            ScratchArrays<PortHits.Hit>.Trim();
            ScratchArrays<ulong>.Trim();
            ScratchArrays<int>.Trim();
        }

        return confirmed;
    }

    /// <summary>The result for confirmations of every cluster (from one or more <see cref="Confirm"/> calls): ordered by cluster id, with the split-cluster suggestions.</summary>
    public static ConfirmationResult Combine(IEnumerable<ClusterConfirmation> confirmed, ConfirmationContext context, IIpEnricher? enricher = null)
    {
        ArgumentNullException.ThrowIfNull(confirmed);
        ArgumentNullException.ThrowIfNull(context);
        var ordered = confirmed.OrderBy(c => c.ClusterId).ToArray();
        return new ConfirmationResult(ordered, SplitClusterDetector.Suggest(ordered, context), enricher?.Attributions ?? []);
    }

    private sealed class PrefetchedEnricher(IIpEnricher inner, IEnumerable<uint> addresses) : IIpEnricher
    {
        private readonly Dictionary<uint, IpInfo> _known = addresses.Distinct().ToDictionary(a => a, inner.Lookup);

        public bool HasCountry => inner.HasCountry;

        public bool HasAsn => inner.HasAsn;

        public IReadOnlyList<string> Attributions => inner.Attributions;

        public IpInfo Lookup(uint address) => _known.TryGetValue(address, out var info) ? info : default;
    }
}
