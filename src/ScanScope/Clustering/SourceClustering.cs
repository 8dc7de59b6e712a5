namespace ScanScope.Clustering;

public enum ClusteringAlgorithm
{
    /// <summary>DBSCAN with one global eps (the thesis).</summary>
    Dbscan,

    /// <summary>HDBSCAN: density levels chosen per cluster.</summary>
    Hdbscan,

    /// <summary>DBSCAN over the sibling relation of sharded scans (<see cref="Clustering.Siblings"/>).</summary>
    Siblings,
}

/// <summary>Everything the clustering stage needs to know. Immutable; change with <c>with</c>.</summary>
public sealed record ClusteringOptions
{
    public ClusteringAlgorithm Algorithm { get; init; } = ClusteringAlgorithm.Dbscan;

    public ScalerKind Scaler { get; init; } = ScalerKind.Robust;

    /// <summary>Per-feature weights multiplied in after scaling; null = all 1.</summary>
    public IReadOnlyList<double>? Weights { get; init; }

    public DbscanOptions Dbscan { get; init; } = new();

    public HdbscanOptions Hdbscan { get; init; } = new();

    public SiblingOptions Siblings { get; init; } = new();
}

/// <summary>The clustering of a feature table: one label per source, with what produced it.</summary>
/// <param name="Labels">Per source: cluster 0, 1, …, −1 noise, −2 heavy hitter (set aside before scaling).</param>
/// <param name="Scaler">The scaler fitted on the sources that were clustered.</param>
/// <param name="Dbscan">DBSCAN's result over the clustered sources (with the k-distance curve when eps was automatic).</param>
/// <param name="Hdbscan">HDBSCAN's result over the clustered sources.</param>
/// <param name="Clustered">Row of each clustered source in the input (the rows of the results above).</param>
public sealed record ClusteringOutcome(int[] Labels, FittedScaler Scaler, DbscanResult? Dbscan, HdbscanResult? Hdbscan, int[] Clustered)
{
    public int ClusterCount => Labels.Length == 0 ? 0 : Math.Max(0, Labels.Max() + 1);
}

/// <summary>The clustering stage: set heavy hitters aside, scale and weight, cluster.</summary>
public static class SourceClustering
{
    /// <summary>
    /// Clusters the rows of <paramref name="features"/> that are not heavy hitters. The sibling algorithm
    /// needs <paramref name="siblings"/> (one per row); the scaler is still fitted, for the t-SNE map.
    /// </summary>
    public static ClusteringOutcome Run(FeatureMatrix features, bool[]? heavyHitter, ClusteringOptions options, IReadOnlyList<SiblingSource>? siblings = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(options);
        var keep = Enumerable.Range(0, features.Rows).Where(i => heavyHitter is null || !heavyHitter[i]).ToArray();
        var data = new double[keep.Length * features.Columns];
        for (var k = 0; k < keep.Length; k++)
        {
            features.Row(keep[k]).CopyTo(data.AsSpan(k * features.Columns, features.Columns));
        }

        var kept = new FeatureMatrix(data, keep.Length, features.Columns, features.ColumnNames);
        var scaler = Scalers.Fit(kept, options.Scaler, options.Weights);
        var scaled = scaler.Transform(kept);
        DbscanResult? dbscan = null;
        HdbscanResult? hdbscan = null;
        int[] labels;
        if (options.Algorithm == ClusteringAlgorithm.Dbscan)
        {
            dbscan = Dbscan.Fit(scaled, options.Dbscan);
            labels = dbscan.Labels;
        }
        else if (options.Algorithm == ClusteringAlgorithm.Siblings)
        {
            if (siblings is null || siblings.Count != features.Rows)
            {
                throw new ArgumentException("the sibling algorithm needs one SiblingSource per feature row", nameof(siblings));
            }

            dbscan = Clustering.Siblings.Fit([.. keep.Select(i => siblings[i])], options.Siblings);
            labels = dbscan.Labels;
        }
        else
        {
            hdbscan = Hdbscan.Fit(scaled, options.Hdbscan);
            labels = hdbscan.Labels;
        }

        var all = new int[features.Rows];
        Array.Fill(all, -2);
        for (var k = 0; k < keep.Length; k++)
        {
            all[keep[k]] = labels[k];
        }

        return new ClusteringOutcome(all, scaler, dbscan, hdbscan, keep);
    }
}
