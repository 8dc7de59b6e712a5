namespace ScanScope.Clustering;

/// <summary>HDBSCAN parameters. Immutable; change with <c>with</c>.</summary>
public sealed record HdbscanOptions
{
    /// <summary>Fewest sources a cluster may have: smaller splits are points falling out, not new clusters.</summary>
    public int MinClusterSize { get; init; } = 10;

    /// <summary>Neighbour rank of the core distance, the point itself counted as the first (scikit-learn's
    /// convention; the <c>hdbscan</c> package's min_samples is this minus one). Null: <see cref="MinClusterSize"/>.</summary>
    public int? MinSamples { get; init; }

    /// <summary>Threads for core distances and the spanning tree; −1 = all cores.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;
}

/// <summary>The outcome of <see cref="Hdbscan.Fit"/>.</summary>
/// <param name="Labels">Cluster of each row (0, 1, … in order of the condensed tree) or −1 for noise.</param>
/// <param name="Probabilities">Membership strength in [0, 1] (0 for noise): the λ at which the row left its
/// cluster over the cluster's largest λ.</param>
/// <param name="OutlierScores">GLOSH outlier score in [0, 1] (Campello et al. 2015): 1 − λ(row) / λmax(subtree it left).</param>
/// <param name="CoreDistances">Core distance of each row.</param>
/// <param name="Condensed">The condensed cluster tree.</param>
/// <param name="Selected">Condensed-tree ids of the selected clusters, in label order.</param>
public sealed record HdbscanResult(
    int[] Labels,
    double[] Probabilities,
    double[] OutlierScores,
    double[] CoreDistances,
    CondensedTree Condensed,
    int[] Selected,
    int MinClusterSize,
    int MinSamples)
{
    public int ClusterCount => Selected.Length;
}

/// <summary>
/// HDBSCAN (Campello, Moulavi, Sander 2013) with the semantics of McInnes' <c>hdbscan</c> package and scikit-learn
/// 1.3's <c>HDBSCAN</c>: core distances, mutual reachability, minimum spanning tree, single-linkage hierarchy,
/// condensed tree (min_cluster_size), excess-of-mass selection without the root (allow_single_cluster false).
/// </summary>
/// <remarks>
/// The spanning tree is Prim's algorithm over the distinct points (identical rows join at their core distance, so
/// they are added afterwards without changing the tree), O(m²) time and O(m) memory for m distinct points, the
/// inner loop split over threads.
/// </remarks>
public static class Hdbscan
{
    public static HdbscanResult Fit(FeatureMatrix x, HdbscanOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        options ??= new HdbscanOptions();
        var minClusterSize = options.MinClusterSize;
        ArgumentOutOfRangeException.ThrowIfLessThan(minClusterSize, 2);
        var n = x.Rows;
        var minSamples = Math.Max(1, Math.Min(options.MinSamples ?? minClusterSize, n));
        if (n < 2)
        {
            var empty = new CondensedTree(n, [], [], [], []);
            return new HdbscanResult(new int[n].Select(_ => -1).ToArray(), new double[n], new double[n], new double[n], empty, [], minClusterSize, minSamples);
        }

        var distinct = DistinctPoints.Of(x);
        var tree = new KdTree(distinct.Points, distinct.Weights);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism };
        var pointCore = new double[distinct.Count];
        Parallel.For(0, distinct.Count, parallel, p => pointCore[p] = tree.KthDistance(distinct.Points.Row(p), minSamples));

        var edges = SpanningTree(distinct, pointCore, parallel);
        var hierarchy = SingleLinkage(n, edges);
        var condensed = CondensedTree.Condense(hierarchy, n, minClusterSize);
        var selected = condensed.SelectExcessOfMass();
        var (labels, probabilities) = condensed.Label(selected);
        var core = new double[n];
        for (var i = 0; i < n; i++)
        {
            core[i] = pointCore[distinct.RowToPoint[i]];
        }

        return new HdbscanResult(labels, probabilities, condensed.OutlierScores(), core, condensed, selected, minClusterSize, minSamples);
    }

    /// <summary>Edges (row a, row b, mutual reachability distance) of a minimum spanning tree over all rows.</summary>
    private static List<(int A, int B, double W)> SpanningTree(DistinctPoints distinct, double[] core, ParallelOptions parallel)
    {
        var m = distinct.Count;
        var points = distinct.Points.Data;
        var dims = distinct.Points.Columns;
        var edges = new List<(int A, int B, double W)>(distinct.Weights.Length);
        var best = new double[m];
        var from = new int[m];
        var done = new bool[m];
        Array.Fill(best, double.PositiveInfinity);
        var current = 0;
        done[0] = true;
        var chunks = Math.Max(1, Math.Min(Environment.ProcessorCount * 4, m / 2048));
        var chunkBest = new (double W, int V)[chunks];
        for (var added = 1; added < m; added++)
        {
            var u = current;
            Parallel.For(0, chunks, parallel, c =>
            {
                var start = (int)((long)m * c / chunks);
                var end = (int)((long)m * (c + 1) / chunks);
                var uRow = points.AsSpan(u * dims, dims);
                var coreU = core[u];
                var localW = double.PositiveInfinity;
                var localV = -1;
                for (var v = start; v < end; v++)
                {
                    if (done[v])
                    {
                        continue;
                    }

                    var vRow = points.AsSpan(v * dims, dims);
                    double d2 = 0;
                    for (var j = 0; j < dims; j++)
                    {
                        var t = uRow[j] - vRow[j];
                        d2 += t * t;
                    }

                    var w = Math.Max(Math.Max(coreU, core[v]), Math.Sqrt(d2));
                    if (w < best[v])
                    {
                        best[v] = w;
                        from[v] = u;
                    }

                    if (best[v] < localW)
                    {
                        localW = best[v];
                        localV = v;
                    }
                }

                chunkBest[c] = (localW, localV);
            });

            var next = -1;
            var nextW = double.PositiveInfinity;
            foreach (var (w, v) in chunkBest)
            {
                if (v >= 0 && (next < 0 || w < nextW || (w == nextW && v < next)))
                {
                    next = v;
                    nextW = w;
                }
            }

            done[next] = true;
            edges.Add((distinct.FirstRow[from[next]], distinct.FirstRow[next], nextW));
            current = next;
        }

        // Copies of a point are joined to its first row at the core distance: no cheaper edge leaves a copy.
        for (var row = 0; row < distinct.RowToPoint.Length; row++)
        {
            var p = distinct.RowToPoint[row];
            if (distinct.FirstRow[p] != row)
            {
                edges.Add((distinct.FirstRow[p], row, core[p]));
            }
        }

        return edges;
    }

    /// <summary>
    /// The single-linkage dendrogram (scipy's linkage layout: merge i creates node n + i from two nodes, at a
    /// distance, with a size), from the spanning tree's edges taken by increasing weight (ties by edge order).
    /// </summary>
    internal static (int Left, int Right, double Distance, int Size)[] SingleLinkage(int n, List<(int A, int B, double W)> edges)
    {
        var order = Enumerable.Range(0, edges.Count).OrderBy(e => edges[e].W).ThenBy(e => e).ToArray();
        var parent = new int[(2 * n) - 1];
        var size = new int[(2 * n) - 1];
        for (var i = 0; i < parent.Length; i++)
        {
            parent[i] = i;
            size[i] = i < n ? 1 : 0;
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

        var merges = new (int, int, double, int)[n - 1];
        var next = n;
        foreach (var e in order)
        {
            var (a, b, w) = edges[e];
            int ra = Find(a), rb = Find(b);
            size[next] = size[ra] + size[rb];
            parent[ra] = next;
            parent[rb] = next;
            merges[next - n] = (ra, rb, w, size[next]);
            next++;
        }

        return merges;
    }
}
