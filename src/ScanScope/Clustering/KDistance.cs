namespace ScanScope.Clustering;

/// <summary>
/// The sorted k-distance curve (Ester et al. 1996; Rahmah and Sitanggang 2016) and its knee, from which DBSCAN's
/// eps is chosen.
/// </summary>
/// <param name="K">Neighbour rank. The point itself is its own first neighbour (distance 0), exactly as
/// scikit-learn's <c>NearestNeighbors(n_neighbors=k).fit(X).kneighbors(X)[0][:, k-1]</c>; so with
/// k = min_samples a row is a DBSCAN core point exactly when its k-distance is ≤ eps.</param>
/// <param name="Distances">k-distance of every row, in row order.</param>
/// <param name="Sorted">The same values sorted ascending: the curve (x = rank 0..n−1).</param>
/// <param name="KneeIndex">Rank of the knee found by Kneedle (convex, increasing), or −1 when the curve has none.</param>
public sealed record KDistanceCurve(int K, double[] Distances, double[] Sorted, int KneeIndex)
{
    /// <summary>k-distance at the knee, or NaN without a knee.</summary>
    public double KneeDistance => KneeIndex >= 0 ? Sorted[KneeIndex] : double.NaN;

    /// <summary>Computes the curve for the rows of <paramref name="x"/> (already scaled).</summary>
    public static KDistanceCurve Compute(FeatureMatrix x, int k, double kneeSensitivity = 1.0, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(x);
        var distinct = DistinctPoints.Of(x);
        var tree = new KdTree(distinct.Points, distinct.Weights);
        return Compute(x, distinct, tree, k, kneeSensitivity, maxDegreeOfParallelism);
    }

    internal static KDistanceCurve Compute(FeatureMatrix x, DistinctPoints distinct, KdTree tree, int k, double kneeSensitivity, int maxDegreeOfParallelism)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (k > x.Rows)
        {
            throw new ArgumentException($"k = {k} is more than the {x.Rows} rows", nameof(k));
        }

        var perPoint = new double[distinct.Count];
        Parallel.For(0, distinct.Count, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, p =>
        {
            // A point repeated at least k times is its own k-th neighbour.
            perPoint[p] = distinct.Weights[p] >= k ? 0.0 : tree.KthDistance(distinct.Points.Row(p), k);
        });

        var distances = new double[x.Rows];
        for (var i = 0; i < distances.Length; i++)
        {
            distances[i] = perPoint[distinct.RowToPoint[i]];
        }

        var sorted = (double[])distances.Clone();
        Array.Sort(sorted);
        var ranks = new double[sorted.Length];
        for (var i = 0; i < ranks.Length; i++)
        {
            ranks[i] = i;
        }

        var knee = Kneedle.Find(ranks, sorted, KneeCurve.Convex, KneeDirection.Increasing, kneeSensitivity);
        return new KDistanceCurve(k, distances, sorted, knee);
    }
}
