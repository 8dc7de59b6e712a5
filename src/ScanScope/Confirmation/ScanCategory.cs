namespace ScanScope.Confirmation;

/// <summary>The scanning behaviour of a cluster (thesis table 6.12).</summary>
public enum ScanCategory
{
    /// <summary>No consistent scan: no scan in which most of the cluster's hosts take part, or several groups merged.</summary>
    Noise,

    /// <summary>One port, one scan (or one continuous scan).</summary>
    SinglePort,

    /// <summary>Several ports, each scanned once, one after another.</summary>
    SlowSweeping,

    /// <summary>One port scanned again and again, each a complete scan.</summary>
    PeriodicSinglePort,

    /// <summary>Complete scans of a few ports, repeated with pauses.</summary>
    PeriodicSweeping,

    /// <summary>Repeated short scans, each covering only part of the telescope.</summary>
    PeriodicUpdating,

    /// <summary>Many scans overlapping in time.</summary>
    Greedy,
}

/// <summary>Names of the categories as the simulator's labels.csv and cluster_summary.csv spell them.</summary>
public static class ScanCategoryNames
{
    /// <summary>"single-port", "slow-sweeping", "periodic-single-port", "periodic-sweeping", "periodic-updating", "greedy" or "noise".</summary>
    public static string Name(this ScanCategory category) => category switch
    {
        ScanCategory.SinglePort => "single-port",
        ScanCategory.SlowSweeping => "slow-sweeping",
        ScanCategory.PeriodicSinglePort => "periodic-single-port",
        ScanCategory.PeriodicSweeping => "periodic-sweeping",
        ScanCategory.PeriodicUpdating => "periodic-updating",
        ScanCategory.Greedy => "greedy",
        _ => "noise",
    };

    /// <summary>The category named <paramref name="name"/>; false for an unknown name.</summary>
    public static bool TryParse(string name, out ScanCategory category)
    {
        foreach (var c in Enum.GetValues<ScanCategory>())
        {
            if (string.Equals(c.Name(), name, StringComparison.OrdinalIgnoreCase))
            {
                category = c;
                return true;
            }
        }

        category = ScanCategory.Noise;
        return false;
    }
}

/// <summary>Assigns a category from a cluster's scans, by the documented rules of docs/confirmation.md.</summary>
public static class ScanCategorizer
{
    /// <summary>
    /// The category of a cluster of <paramref name="sources"/> sources whose scans are
    /// <paramref name="scans"/>, with <paramref name="totalHits"/> probes in all (retries folded).
    /// </summary>
    /// <remarks>
    /// Rules, in order, on the group scans (scans in which at least GroupScanShare of the sources
    /// take part):
    /// 1. none, or they hold under half of the cluster's probes → noise;
    /// 2. some port scanned more than once with a median coverage per scan under PartialCoverage →
    ///    periodic-updating, even when its ports are scanned at the same time (thesis 6.3.3: the
    ///    group refreshes part of its table on a few ports together each period);
    /// 3. at least three group scans and at least GreedyOverlapShare of them overlap another in
    ///    time (or carry two scans at once on one port) → greedy (complete scans run in parallel);
    /// 4. their median overlap is above 0.3 (several groups in one cluster) → noise;
    /// 5. some port scanned more than once → periodic-single-port for one port, periodic-sweeping
    ///    for several;
    /// 6. otherwise single-port for one port, slow-sweeping for several.
    /// </remarks>
    public static ScanCategory Categorize(int sources, IReadOnlyList<Scan> scans, long totalHits, ConfirmationOptions options)
    {
        ArgumentNullException.ThrowIfNull(scans);
        ArgumentNullException.ThrowIfNull(options);
        var group = GroupScans(sources, scans, options);
        if (group.Count == 0 || group.Sum(s => (long)s.Hits) < 0.5 * totalHits)
        {
            return ScanCategory.Noise;
        }

        var repeated = group.GroupBy(s => s.Port).Any(g => g.Count() > 1);
        if (repeated && Median(group.Select(s => s.Coverage)) < options.PartialCoverage)
        {
            return ScanCategory.PeriodicUpdating;
        }

        if (group.Count >= 3 && OverlappingShare(group, options) >= options.GreedyOverlapShare)
        {
            return ScanCategory.Greedy;
        }

        if (Median(group.Select(s => s.Overlap)) > 0.3)
        {
            return ScanCategory.Noise;
        }

        var ports = group.Select(s => s.Port).Distinct().Count();
        if (repeated)
        {
            return ports == 1 ? ScanCategory.PeriodicSinglePort : ScanCategory.PeriodicSweeping;
        }

        return ports == 1 ? ScanCategory.SinglePort : ScanCategory.SlowSweeping;
    }

    /// <summary>The scans in which at least <see cref="ConfirmationOptions.GroupScanShare"/> of the cluster's sources take part.</summary>
    public static List<Scan> GroupScans(int sources, IEnumerable<Scan> scans, ConfirmationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var minimum = Math.Max(2, options.GroupScanShare * sources);
        return [.. scans.Where(s => s.Hosts >= minimum)];
    }

    /// <summary>Share of scans that overlap another scan in time (by TimeOverlapShare of the shorter) or hold two scans at once.</summary>
    public static double OverlappingShare(IReadOnlyList<Scan> scans, ConfirmationOptions options)
    {
        ArgumentNullException.ThrowIfNull(scans);
        ArgumentNullException.ThrowIfNull(options);
        if (scans.Count == 0)
        {
            return 0;
        }

        var overlapping = 0;
        for (var i = 0; i < scans.Count; i++)
        {
            var a = scans[i];
            var hit = a.Multiplicity >= 1.5;
            for (var j = 0; j < scans.Count && !hit; j++)
            {
                if (i == j)
                {
                    continue;
                }

                var b = scans[j];
                var shared = Math.Min(a.EndNs, b.EndNs) - Math.Max(a.StartNs, b.StartNs);
                var shorter = Math.Min(a.EndNs - a.StartNs, b.EndNs - b.StartNs);
                hit = shared > 0 && shared >= options.TimeOverlapShare * shorter;
            }

            if (hit)
            {
                overlapping++;
            }
        }

        return overlapping / (double)scans.Count;
    }

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
