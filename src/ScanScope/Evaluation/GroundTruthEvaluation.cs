namespace ScanScope.Evaluation;

/// <summary>Recovery of the ground-truth groups of one category.</summary>
public sealed record CategoryRecovery(string Category, int Groups, int Recovered, int Sources);

/// <summary>A truth group's scanning category against the category of the cluster holding most of it.</summary>
public sealed record CategoryOutcome(int GroupId, string Category, int Cluster, string ClusterCategory)
{
    /// <summary>True when the cluster was given the group's category.</summary>
    public bool Right => string.Equals(Category, ClusterCategory, StringComparison.Ordinal);
}

/// <summary>A truth group: its best cluster (holding most of its sources) and whether it counts as recovered.</summary>
public sealed record GroupOutcome(int GroupId, string Category, int Sources, int BestCluster, int InBestCluster, int BestClusterSize, bool Recovered);

/// <summary>Clustering quality against the simulator's ground truth.</summary>
public sealed record EvaluationReport(
    int Sources,
    int MissingFromClusters,
    int NotInTruth,
    double AdjustedRandIndex,
    double AdjustedMutualInformation,
    double Homogeneity,
    double Completeness,
    double VMeasure,
    int HeavyHittersTrue,
    int HeavyHittersFlagged,
    double HeavyHitterPrecision,
    double HeavyHitterRecall,
    int Groups,
    int GroupsRecovered,
    IReadOnlyList<CategoryRecovery> PerCategory,
    IReadOnlyList<GroupOutcome> GroupOutcomes);

/// <summary>
/// Scores a clustering (<c>clusters.csv</c>) against ground truth (<c>labels.csv</c>).
/// </summary>
/// <remarks>
/// <para>
/// The scores run over the sources of the truth file. Singletons: a source whose truth group is −1 (background
/// noise) is a class of its own, and a source the clustering labels −1 (noise) or −2 (heavy hitter) — or does not
/// list at all (dropped by a filter before clustering) — is a cluster of its own. So calling noise noise is
/// rewarded and lumping noise into one "cluster −1" is not.
/// </para>
/// <para>
/// A truth group (group id ≥ 0) is recovered when one cluster (id ≥ 0) holds at least <c>share</c> of the group's
/// sources and the group's sources make up at least <c>purity</c> of that cluster. Heavy hitters are not groups
/// here (the pipeline sets them aside as −2 before clustering); they are scored by heavy-hitter precision and recall.
/// </para>
/// </remarks>
public static class GroundTruthEvaluation
{
    /// <summary>
    /// The scanning category of each truth group against the category confirmation gave the cluster that
    /// holds most of its sources (<c>cluster_summary.csv</c>): one row per group that has such a cluster.
    /// </summary>
    public static IReadOnlyList<CategoryOutcome> Categories(EvaluationReport report, IReadOnlyDictionary<int, string> clusterCategories)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(clusterCategories);
        return [.. report.GroupOutcomes
            .Where(g => g.BestCluster >= 0)
            .Select(g => new CategoryOutcome(g.GroupId, g.Category, g.BestCluster, clusterCategories.GetValueOrDefault(g.BestCluster, "none")))];
    }

    public static EvaluationReport Evaluate(IReadOnlyList<TruthLabel> truth, IReadOnlyDictionary<string, int> clusters, double share = 0.9, double purity = 0.9)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(clusters);
        var n = truth.Count;
        var truthLabels = new int[n];
        var predicted = new int[n];
        var missing = 0;
        var known = new HashSet<string>(StringComparer.Ordinal);
        var maxGroup = truth.Count == 0 ? 0 : Math.Max(0, truth.Max(t => t.GroupId));
        var maxCluster = clusters.Count == 0 ? 0 : Math.Max(0, clusters.Values.Max());
        int hhTrue = 0, hhFlagged = 0, hhBoth = 0;
        for (var i = 0; i < n; i++)
        {
            var t = truth[i];
            if (!known.Add(t.Source))
            {
                throw new ArgumentException($"source {t.Source} appears twice in the truth", nameof(truth));
            }

            // Singletons get fresh ids above every real group / cluster id.
            truthLabels[i] = t.GroupId >= 0 ? t.GroupId : maxGroup + 1 + i;
            if (!clusters.TryGetValue(t.Source, out var c))
            {
                missing++;
                c = -1;
            }

            predicted[i] = c >= 0 ? c : maxCluster + 1 + i;
            hhTrue += t.IsHeavyHitter ? 1 : 0;
            hhFlagged += c == -2 ? 1 : 0;
            hhBoth += t.IsHeavyHitter && c == -2 ? 1 : 0;
        }

        var notInTruth = clusters.Keys.Count(k => !known.Contains(k));
        var (h, completeness, v) = ClusteringMetrics.HomogeneityCompleteness(truthLabels, predicted);
        var outcomes = GroupOutcomes(truth, clusters, share, purity);
        var perCategory = outcomes.GroupBy(o => o.Category, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new CategoryRecovery(g.Key, g.Count(), g.Count(o => o.Recovered), g.Sum(o => o.Sources)))
            .ToArray();
        return new EvaluationReport(
            n,
            missing,
            notInTruth,
            ClusteringMetrics.AdjustedRandIndex(truthLabels, predicted),
            ClusteringMetrics.AdjustedMutualInformation(truthLabels, predicted),
            h,
            completeness,
            v,
            hhTrue,
            hhFlagged,
            hhFlagged == 0 ? double.NaN : (double)hhBoth / hhFlagged,
            hhTrue == 0 ? double.NaN : (double)hhBoth / hhTrue,
            outcomes.Count,
            outcomes.Count(o => o.Recovered),
            perCategory,
            outcomes);
    }

    private static List<GroupOutcome> GroupOutcomes(IReadOnlyList<TruthLabel> truth, IReadOnlyDictionary<string, int> clusters, double share, double purity)
    {
        var clusterSizes = clusters.Values.Where(c => c >= 0).GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
        var outcomes = new List<GroupOutcome>();
        foreach (var group in truth.Where(t => t.GroupId >= 0 && !t.IsHeavyHitter).GroupBy(t => t.GroupId).OrderBy(g => g.Key))
        {
            var members = group.ToArray();
            var category = members.GroupBy(m => m.Category, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
            var best = members.Select(m => clusters.TryGetValue(m.Source, out var c) ? c : -1)
                .Where(c => c >= 0)
                .GroupBy(c => c)
                .Select(g => (Cluster: g.Key, Count: g.Count()))
                .OrderByDescending(x => x.Count)
                .ThenBy(x => x.Cluster)
                .FirstOrDefault((Cluster: -1, Count: 0));
            var size = best.Cluster >= 0 ? clusterSizes[best.Cluster] : 0;
            var recovered = best.Cluster >= 0 && best.Count >= share * members.Length && best.Count >= purity * size;
            outcomes.Add(new GroupOutcome(group.Key, category, members.Length, best.Cluster, best.Count, size, recovered));
        }

        return outcomes;
    }
}
