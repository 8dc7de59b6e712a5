namespace ScanScope.Clustering;

/// <summary>DBSCAN parameters. Immutable; change with <c>with</c>.</summary>
public sealed record DbscanOptions
{
    /// <summary>Neighbourhood radius (inclusive). Null: chosen from the knee of the k-distance curve.</summary>
    public double? Eps { get; init; }

    /// <summary>Weighted neighbours (the point itself included) that make a core point. Null: 2 × dimensions (Sander et al. 1998).</summary>
    public int? MinSamples { get; init; }

    /// <summary>With automatic eps: eps = knee distance × this factor. The thesis goes slightly below the knee.</summary>
    public double KneeFactor { get; init; } = 0.95;

    /// <summary>Kneedle sensitivity S for the automatic eps.</summary>
    public double KneeSensitivity { get; init; } = 1.0;

    /// <summary>With automatic eps and no knee found: use this percentile (0..100) of the k-distances instead.</summary>
    public double FallbackPercentile { get; init; } = 95;

    /// <summary>Threads for the neighbour queries; −1 = all cores.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;
}

/// <summary>The outcome of <see cref="Dbscan.Fit"/>.</summary>
/// <param name="Labels">Cluster of each row (0, 1, …) or −1 for noise; numbered as scikit-learn numbers them.</param>
/// <param name="IsCore">Whether each row is a core point.</param>
/// <param name="Eps">The eps used.</param>
/// <param name="MinSamples">The min_samples used.</param>
/// <param name="Curve">The k-distance curve (k = min_samples), computed when eps was automatic.</param>
/// <param name="EpsReason">How eps was chosen, in words, for summary.json.</param>
public sealed record DbscanResult(int[] Labels, bool[] IsCore, double Eps, int MinSamples, KDistanceCurve? Curve, string EpsReason)
{
    public int ClusterCount => Labels.Length == 0 ? 0 : Labels.Max() + 1;

    public int NoiseCount => Labels.Count(l => l < 0);
}

/// <summary>
/// DBSCAN (Ester, Kriegel, Sander, Xu 1996) with scikit-learn's exact semantics and numbering.
/// </summary>
/// <remarks>
/// <para>
/// A row is core when at least min_samples rows (itself included, identical rows each counted) lie within
/// distance ≤ eps. Core rows within eps of each other are in one cluster; a non-core row within eps of a core row
/// is a border row; the rest is noise (−1).
/// </para>
/// <para>
/// Numbering as scikit-learn's <c>dbscan_inner</c>: it walks rows in index order and starts a depth-first expansion
/// at each core row not yet labelled, so clusters are numbered in order of their lowest core row. An expansion
/// labels every unlabelled row it reaches and cluster k's expansion ends before k+1's begins, so a border row
/// within eps of cores of several clusters belongs to the lowest-numbered of them. This implementation computes
/// exactly that without the expansion: union-find over core rows, clusters ranked by lowest core row, each border
/// row given the smallest label among its core neighbours.
/// </para>
/// </remarks>
public static class Dbscan
{
    public static DbscanResult Fit(FeatureMatrix x, DbscanOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        options ??= new DbscanOptions();
        var minSamples = options.MinSamples ?? (2 * x.Columns);
        ArgumentOutOfRangeException.ThrowIfLessThan(minSamples, 1);
        if (x.Rows == 0)
        {
            return new DbscanResult([], [], options.Eps ?? 0, minSamples, null, "no rows");
        }

        var distinct = DistinctPoints.Of(x);
        var tree = new KdTree(distinct.Points, distinct.Weights);
        KDistanceCurve? curve = null;
        double eps;
        string reason;
        if (options.Eps is { } given)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(given);
            eps = given;
            reason = "given";
        }
        else
        {
            curve = KDistanceCurve.Compute(x, distinct, tree, Math.Min(minSamples, x.Rows), options.KneeSensitivity, options.MaxDegreeOfParallelism);
            if (curve.KneeIndex >= 0)
            {
                eps = curve.KneeDistance * options.KneeFactor;
                reason = $"knee of the sorted {curve.K}-distance curve at rank {curve.KneeIndex} of {x.Rows} (distance {curve.KneeDistance:R}) x factor {options.KneeFactor:R}";
            }
            else
            {
                eps = Scalers.Percentile(curve.Sorted, options.FallbackPercentile);
                reason = $"the {curve.K}-distance curve has no knee; used its {options.FallbackPercentile:R}th percentile";
            }
        }

        var labels = FitPoints(distinct, tree, eps, minSamples, options.MaxDegreeOfParallelism, out var pointIsCore);
        var rowLabels = new int[x.Rows];
        var rowCore = new bool[x.Rows];
        for (var i = 0; i < x.Rows; i++)
        {
            var p = distinct.RowToPoint[i];
            rowLabels[i] = labels[p];
            rowCore[i] = pointIsCore[p];
        }

        return new DbscanResult(rowLabels, rowCore, eps, minSamples, curve, reason);
    }

    /// <summary>
    /// DBSCAN over a given neighbour relation (symmetric; each row's list holds the row itself) with the same
    /// core, border and numbering rules as <see cref="Fit"/>: scikit-learn's <c>DBSCAN(metric="precomputed")</c>
    /// on the relation's graph.
    /// </summary>
    public static int[] FromNeighbours(IReadOnlyList<int[]> neighbours, int minSamples, out bool[] isCore)
    {
        ArgumentNullException.ThrowIfNull(neighbours);
        var n = neighbours.Count;
        var core = new bool[n];
        var parent = new int[n];
        for (var i = 0; i < n; i++)
        {
            core[i] = neighbours[i].Length >= minSamples;
            parent[i] = i;
        }

        int Find(int i)
        {
            while (parent[i] != i)
            {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }

            return i;
        }

        for (var i = 0; i < n; i++)
        {
            if (!core[i])
            {
                continue;
            }

            foreach (var j in neighbours[i])
            {
                if (core[j])
                {
                    var (a, b) = (Find(i), Find(j));
                    if (a != b)
                    {
                        parent[Math.Max(a, b)] = Math.Min(a, b);
                    }
                }
            }
        }

        // Rows in index order: a cluster is numbered when its lowest core row comes up.
        var labels = new int[n];
        var rootLabel = new Dictionary<int, int>();
        for (var i = 0; i < n; i++)
        {
            labels[i] = -1;
            if (core[i])
            {
                var root = Find(i);
                if (!rootLabel.TryGetValue(root, out var label))
                {
                    label = rootLabel.Count;
                    rootLabel[root] = label;
                }

                labels[i] = label;
            }
        }

        for (var i = 0; i < n; i++)
        {
            if (!core[i])
            {
                var best = int.MaxValue;
                foreach (var j in neighbours[i])
                {
                    if (core[j])
                    {
                        best = Math.Min(best, labels[j]);
                    }
                }

                labels[i] = best == int.MaxValue ? -1 : best;
            }
        }

        isCore = core;
        return labels;
    }

    private static int[] FitPoints(DistinctPoints distinct, KdTree tree, double eps, int minSamples, int threads, out bool[] isCore)
    {
        var m = distinct.Count;
        var points = distinct.Points;
        var core = new bool[m];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };
        Parallel.For(0, m, parallel, p =>
        {
            core[p] = tree.CountWithin(points.Row(p), eps, minSamples) >= minSamples;
        });
        isCore = core;

        var components = new CoreComponents(tree, core, eps);
        for (var p = 0; p < m; p++)
        {
            if (core[p])
            {
                components.Connect(p, points.Row(p));
            }
        }

        // Clusters in order of their lowest core row (scikit-learn starts an expansion at each one in index order).
        var lowestRow = new Dictionary<int, int>();
        for (var p = 0; p < m; p++)
        {
            if (core[p])
            {
                var root = components.Find(p);
                var row = distinct.FirstRow[p];
                if (!lowestRow.TryGetValue(root, out var r) || row < r)
                {
                    lowestRow[root] = row;
                }
            }
        }

        var rootLabel = new Dictionary<int, int>();
        foreach (var (root, _) in lowestRow.OrderBy(kv => kv.Value))
        {
            rootLabel[root] = rootLabel.Count;
        }

        var labels = new int[m];
        for (var p = 0; p < m; p++)
        {
            labels[p] = core[p] ? rootLabel[components.Find(p)] : -1;
        }

        // Border points: the smallest label among core neighbours (the first expansion to reach them).
        var coreLabels = (int[])labels.Clone();
        Parallel.For(0, m, parallel, () => new List<int>(), (p, _, found) =>
        {
            if (core[p])
            {
                return found;
            }

            found.Clear();
            tree.Within(points.Row(p), eps, found);
            var best = int.MaxValue;
            foreach (var q in found)
            {
                if (coreLabels[q] >= 0)
                {
                    best = Math.Min(best, coreLabels[q]);
                }
            }

            labels[p] = best == int.MaxValue ? -1 : best;
            return found;
        }, _ => { });

        return labels;
    }
}
