namespace ScanScope.Evaluation;

/// <summary>
/// External clustering scores, each computed as scikit-learn 1.2 computes it (<c>sklearn.metrics</c>), so the
/// numbers agree to within rounding: adjusted Rand index, adjusted mutual information (arithmetic-mean
/// normalisation, exact expected mutual information), homogeneity, completeness and V-measure.
/// </summary>
/// <remarks>Labels are arbitrary integers compared for equality; callers decide what noise means before calling.</remarks>
public static class ClusteringMetrics
{
    /// <summary>Adjusted Rand index (Hubert and Arabie 1985), as <c>adjusted_rand_score</c>.</summary>
    public static double AdjustedRandIndex(ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted)
    {
        var table = Contingency.Of(truth, predicted);
        Int128 n = table.N, sumSquares = 0, rowDot = 0, columnDot = 0;
        foreach (var (i, j, count) in table.Cells)
        {
            sumSquares += (Int128)count * count;
            rowDot += (Int128)count * table.ColumnSums[j];
            columnDot += (Int128)count * table.RowSums[i];
        }

        // Pair confusion matrix: pairs together in both, in predicted only, in truth only, in neither.
        var tp = sumSquares - n;
        var fp = rowDot - sumSquares;
        var fn = columnDot - sumSquares;
        var tn = (n * n) - fp - fn - sumSquares;
        if (fn == 0 && fp == 0)
        {
            return 1.0;
        }

        var numerator = 2 * ((tp * tn) - (fn * fp));
        var denominator = ((tp + fn) * (fn + tn)) + ((tp + fp) * (fp + tn));
        return (double)numerator / (double)denominator;
    }

    /// <summary>Mutual information in nats, as <c>mutual_info_score</c>.</summary>
    public static double MutualInformation(ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted) =>
        MutualInformation(Contingency.Of(truth, predicted));

    /// <summary>Adjusted mutual information (Vinh, Epps, Bailey 2010) with the arithmetic mean of the entropies as normaliser.</summary>
    public static double AdjustedMutualInformation(ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted)
    {
        var table = Contingency.Of(truth, predicted);
        if (table.RowSums.Length == table.ColumnSums.Length && table.RowSums.Length <= 1)
        {
            return 1.0;
        }

        var mi = MutualInformation(table);
        var emi = ExpectedMutualInformation(table);
        var normalizer = (Entropy(table.RowSums) + Entropy(table.ColumnSums)) / 2;
        var denominator = normalizer - emi;
        denominator = denominator < 0 ? Math.Min(denominator, -Epsilon) : Math.Max(denominator, Epsilon);
        return (mi - emi) / denominator;
    }

    /// <summary>Homogeneity, completeness and V-measure (β = 1), as <c>homogeneity_completeness_v_measure</c>.</summary>
    public static (double Homogeneity, double Completeness, double VMeasure) HomogeneityCompleteness(ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted)
    {
        if (truth.Length == 0)
        {
            return (1.0, 1.0, 1.0);
        }

        var table = Contingency.Of(truth, predicted);
        var entropyTruth = Entropy(table.RowSums);
        var entropyPredicted = Entropy(table.ColumnSums);
        var mi = MutualInformation(table);
        var homogeneity = entropyTruth != 0 ? mi / entropyTruth : 1.0;
        var completeness = entropyPredicted != 0 ? mi / entropyPredicted : 1.0;
        var v = homogeneity + completeness == 0 ? 0.0 : 2 * homogeneity * completeness / (homogeneity + completeness);
        return (homogeneity, completeness, v);
    }

    private const double Epsilon = 2.220446049250313e-16;

    private static double Entropy(int[] sizes)
    {
        if (sizes.Length == 0)
        {
            return 1.0;
        }

        double total = 0;
        foreach (var s in sizes)
        {
            total += s;
        }

        var logTotal = Math.Log(total);
        double sum = 0;
        foreach (var s in sizes)
        {
            sum += s / total * (Math.Log(s) - logTotal);
        }

        return -sum;
    }

    private static double MutualInformation(Contingency table)
    {
        if (table.RowSums.Length == 1 || table.ColumnSums.Length == 1)
        {
            return 0.0;
        }

        double n = table.N;
        var logN = Math.Log(n);
        double sum = 0;
        foreach (var (i, j, count) in table.Cells)
        {
            var share = count / n;
            var logOuter = -Math.Log((double)((long)table.RowSums[i] * table.ColumnSums[j])) + logN + logN;
            var term = (share * (Math.Log(count) - logN)) + (share * logOuter);
            sum += Math.Abs(term) < Epsilon ? 0.0 : term;
        }

        return Math.Max(sum, 0.0);
    }

    /// <summary>
    /// Expected mutual information under the hypergeometric model of random labellings with the same cluster
    /// sizes (Vinh et al. 2010, eq. 24a), summed exactly over every feasible cell count. The term depends only on
    /// the pair of sizes (a, b), so equal sizes are summed once and weighted by how often they occur; with noise
    /// counted as singletons that makes an n-row evaluation cheap.
    /// </summary>
    internal static double ExpectedMutualInformation(Contingency table)
    {
        if (table.RowSums.Length == 1 || table.ColumnSums.Length == 1)
        {
            return 0.0;
        }

        var n = table.N;
        var rows = table.RowSums.GroupBy(a => a).Select(g => (Size: g.Key, Count: g.Count())).ToArray();
        var columns = table.ColumnSums.GroupBy(b => b).Select(g => (Size: g.Key, Count: g.Count())).ToArray();
        var lgN1 = LogGamma(n + 1.0);
        var logN = Math.Log(n);
        double emi = 0;
        foreach (var (a, aCount) in rows)
        {
            var glnA = LogGamma(a + 1.0) + LogGamma(n - a + 1.0);
            var logA = Math.Log(a);
            foreach (var (b, bCount) in columns)
            {
                var glnB = LogGamma(b + 1.0) + LogGamma(n - b + 1.0);
                var logB = Math.Log(b);
                double cell = 0;
                for (long nij = Math.Max(1, (long)a + b - n); nij <= Math.Min(a, b); nij++)
                {
                    var term2 = logN + Math.Log(nij) - logA - logB;
                    var gln = glnA + glnB - (LogGamma(nij + 1.0) + lgN1) - LogGamma(a - nij + 1.0) - LogGamma(b - nij + 1.0) - LogGamma(n - a - b + nij + 1.0);
                    cell += (double)nij / n * term2 * Math.Exp(gln);
                }

                emi += cell * aCount * bCount;
            }
        }

        return emi;
    }

    /// <summary>ln Γ(x) for x &gt; 0, accurate to a few units in the last place (Stirling series after shifting x above 15).</summary>
    internal static double LogGamma(double x)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(x);
        double shift = 0;
        while (x < 15)
        {
            shift += Math.Log(x);
            x += 1;
        }

        var inv = 1 / x;
        var inv2 = inv * inv;
        var series = inv * ((1.0 / 12) - (inv2 * ((1.0 / 360) - (inv2 * ((1.0 / 1260) - (inv2 * ((1.0 / 1680) - (inv2 * (1.0 / 1188)))))))));
        return ((x - 0.5) * Math.Log(x)) - x + HalfLogTwoPi + series - shift;
    }

    private const double HalfLogTwoPi = 0.91893853320467274178;
}
