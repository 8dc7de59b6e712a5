namespace ScanScope.Simulation;

/// <summary>
/// The thesis' table 5.2 / 5.4 experiment: a full-IPv4 scan (default blocklist) sharded over
/// |H| hosts that start together at one rate, observed on a telescope; destinations per host and
/// the gaps between consecutive telescope hits, measured against the formulas (scanner-internals §7).
/// </summary>
public static class FormulaCheck
{
    /// <summary>
    /// Runs the experiment for each seed and pools the hosts of all seeds. The scan targets all of
    /// IPv4, or <paramref name="allowlist"/>, minus the default blocklist.
    /// </summary>
    public static IReadOnlyList<FormulaCheckRow> Run(ZmapVersion version, int hosts, IReadOnlyList<Ipv4Prefix> telescope, IReadOnlyList<ulong> seeds, IReadOnlyList<Ipv4Prefix>? allowlist = null)
    {
        ArgumentNullException.ThrowIfNull(telescope);
        ArgumentNullException.ThrowIfNull(seeds);
        var space = TargetSpace.Create(allowlist ?? [], version);
        var addresses = telescope.SelectMany(t => Enumerable.Range(0, (int)t.Size).Select(i => t.First + (uint)i)).ToList();
        var index = new TelescopeIndex(space, version, addresses, [80]);
        var subsets = new List<(string Name, Func<uint, bool> In)> { (string.Join("+", Enumerable.Range(1, telescope.Count)), _ => true) };
        for (var i = 0; i < telescope.Count; i++)
        {
            var block = telescope[i];
            subsets.Add(((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), a => block.Contains(a)));
        }

        var counts = subsets.Select(_ => new List<double>()).ToList();
        var gaps = subsets.Select(_ => new List<double>()).ToList();
        foreach (var seed in seeds)
        {
            var scan = new ZmapScan(space, new ZmapScanOptions { Version = version, Seed = seed, Shards = hosts });
            var perSubset = subsets.Select(_ => (Counts: new int[hosts], Steps: new List<ulong>())).ToList();
            index.Locate(scan, (target, sub, step) =>
            {
                var address = addresses[target];
                for (var s = 0; s < subsets.Count; s++)
                {
                    if (subsets[s].In(address))
                    {
                        perSubset[s].Counts[scan.ShardOf(sub).Shard]++;
                        perSubset[s].Steps.Add(step);
                    }
                }
            });
            for (var s = 0; s < subsets.Count; s++)
            {
                counts[s].AddRange(perSubset[s].Counts.Select(c => (double)c));
                var steps = perSubset[s].Steps;
                steps.Sort();
                for (var i = 1; i < steps.Count; i++)
                {
                    gaps[s].Add(steps[i] - steps[i - 1]);
                }
            }
        }

        var allowed = (double)space.Count;
        var order = (double)index.Group.Order;
        var rows = new List<FormulaCheckRow>();
        for (var s = 0; s < subsets.Count; s++)
        {
            var o = (double)addresses.Count(a => subsets[s].In(a) && space.TryIndexOf(a, out _));
            var h = (double)hosts;
            var mu = o / h;
            var pThesis = h * o / Math.Min(4_294_967_296.0, order);
            rows.Add(new FormulaCheckRow
            {
                Subset = subsets[s].Name,
                Observers = (int)o,
                Hosts = hosts,
                Allowed = space.Count,
                MeasuredMean = Mean(counts[s]),
                MeasuredSd = Sd(counts[s]),
                CalculatedMean = mu,
                ThesisSd = Math.Sqrt(mu * (1 - (o / Math.Min(4_294_967_296.0, order)))),
                BinomialSd = Math.Sqrt(mu * (1 - (o / allowed))),
                HypergeometricSd = Math.Sqrt(mu * (1 - (o / allowed)) * (1 - (1 / h)) * allowed / (allowed - 1)),
                MeasuredGapMean = Mean(gaps[s]),
                MeasuredGapSd = Sd(gaps[s]),
                ThesisGapMean = 1 / pThesis,
                ThesisGapSd = Math.Sqrt(1 - pThesis) / pThesis,
                ExactGapMean = order / (h * o),
                ExactGapSd = Math.Sqrt(1 - (o / order)) * order / (h * o),
                ProbeSlotGapMean = allowed / (h * o),
                ValidFraction = allowed / order,
            });
        }

        return rows;
    }

    private static double Mean(List<double> x) => x.Count == 0 ? double.NaN : x.Average();

    private static double Sd(List<double> x)
    {
        if (x.Count < 2)
        {
            return double.NaN;
        }

        var m = x.Average();
        return Math.Sqrt(x.Sum(v => (v - m) * (v - m)) / (x.Count - 1));
    }
}

/// <summary>One telescope subset of <see cref="FormulaCheck"/>: measured against calculated.</summary>
public sealed record FormulaCheckRow
{
    /// <summary>Which telescope blocks (1-based, "1+2+3" = all).</summary>
    public required string Subset { get; init; }

    /// <summary>|O|: allowed telescope addresses.</summary>
    public int Observers { get; init; }

    /// <summary>|H|.</summary>
    public int Hosts { get; init; }

    /// <summary>|N| = A, allowed targets.</summary>
    public ulong Allowed { get; init; }

    /// <summary>Mean destinations per host, measured.</summary>
    public double MeasuredMean { get; init; }

    /// <summary>Their standard deviation over hosts (and seeds).</summary>
    public double MeasuredSd { get; init; }

    /// <summary>|O|/|H|.</summary>
    public double CalculatedMean { get; init; }

    /// <summary>Thesis eq. 5.11 with |N| = 2^32 as in its table 5.2.</summary>
    public double ThesisSd { get; init; }

    /// <summary>Eq. 5.11 with |N| = A.</summary>
    public double BinomialSd { get; init; }

    /// <summary>Exact: hypergeometric, (|O|/|H|)(1 − |O|/|N|)(1 − 1/|H|)·|N|/(|N|−1).</summary>
    public double HypergeometricSd { get; init; }

    /// <summary>Mean gap between consecutive telescope hits of all hosts, in scan steps (group elements per shard, the thesis' "scan state").</summary>
    public double MeasuredGapMean { get; init; }

    /// <summary>Their standard deviation.</summary>
    public double MeasuredGapSd { get; init; }

    /// <summary>Thesis eq. 5.13: |N|/(|H||O|) with |N| = 2^32.</summary>
    public double ThesisGapMean { get; init; }

    /// <summary>√(1−p)/p with the thesis' p (its table's values; eq. 5.14 as printed has p² misprinted).</summary>
    public double ThesisGapSd { get; init; }

    /// <summary>(p−1)/(|H||O|): the O telescope elements lie at random among the p−1 elements, |H| per step.</summary>
    public double ExactGapMean { get; init; }

    /// <summary>√(1 − |O|/(p−1))·(p−1)/(|H||O|): the gap in elements is geometric with q = |O|/(p−1), divided by |H| per step.</summary>
    public double ExactGapSd { get; init; }

    /// <summary>The mean gap in probe slots (time × rate): |N|/(|H||O|) with |N| = A, since skipped elements cost no time.</summary>
    public double ProbeSlotGapMean { get; init; }

    /// <summary>A/(p−1): probe slots per scan step.</summary>
    public double ValidFraction { get; init; }
}
