using ScanScope.Clustering;

namespace ScanScope.Tests.Clustering;

public sealed class DbscanTests
{
    [Theory]
    [InlineData(1, 2, 1.0, 4)]
    [InlineData(2, 3, 1.5, 6)]
    [InlineData(3, 4, 1.0, 3)]
    [InlineData(4, 6, 2.0, 10)]
    public void Labels_EqualTheDepthFirstExpansionOfScikitLearn_OnTiedIntegerData(int seed, int range, double eps, int minSamples)
    {
        var x = BruteForce.IntegerRows(seed, 300, 3, range + 3);
        var expected = BruteForce.Dbscan(x, eps, minSamples);
        var result = Dbscan.Fit(x, new DbscanOptions { Eps = eps, MinSamples = minSamples });
        Assert.Equal(expected, result.Labels);
    }

    [Fact]
    public void BorderPointReachableFromTwoClusters_GoesToTheLowerNumberedCluster()
    {
        // Clumps B (rows 0-4) and A (rows 5-9) each have two cores (at 4 and at 0); row 10 at 2 is within eps = 2 of
        // both but has only 5 of the 6 neighbours a core needs. Cluster 0 is B (lowest core row); B's expansion is
        // finished before A's starts, so the border row is B's, although A's rows come right before it.
        double[] values = [4, 4, 5, 6, 6, 0, 0, -1, -2, -2, 2];
        var x = FeatureMatrix.FromRows(values.Select(v => new[] { v }).ToArray());
        var result = Dbscan.Fit(x, new DbscanOptions { Eps = 2.0, MinSamples = 6 });
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0], result.Labels);
        Assert.Equal([true, true, false, false, false, true, true, false, false, false, false], result.IsCore);
        Assert.Equal(BruteForce.Dbscan(x, 2.0, 6), result.Labels);
    }

    [Fact]
    public void RowOrder_ChangesOnlyTheNumbering_OfCoresAndNoise()
    {
        var (x, _) = BruteForce.Blobs(5, [40, 60, 80], 40);
        var order = Enumerable.Range(0, x.Rows).OrderBy(i => (i * 7919) % x.Rows).ToArray();
        var options = new DbscanOptions { Eps = 2.0, MinSamples = 6 };
        var a = Dbscan.Fit(x, options);
        var b = Dbscan.Fit(BruteForce.Permute(x, order), options);
        var coreA = order.Select(i => a.IsCore[i] ? a.Labels[i] : -1).ToArray();
        var coreB = b.IsCore.Select((c, k) => c ? b.Labels[k] : -1).ToArray();
        Assert.True(BruteForce.SamePartition(coreA, coreB));
        Assert.Equal(order.Select(i => a.Labels[i] < 0), b.Labels.Select(l => l < 0));
    }

    [Fact]
    public void Defaults_MinSamplesIsTwiceTheDimensions_AndEpsIsTheKneeTimesTheFactor()
    {
        var (x, _) = BruteForce.Blobs(6, [60, 80, 100], 40, columns: 4);
        var result = Dbscan.Fit(x, new DbscanOptions { KneeFactor = 0.9 });
        Assert.Equal(8, result.MinSamples);
        var curve = Assert.IsType<KDistanceCurve>(result.Curve);
        Assert.Equal(8, curve.K);
        Assert.True(curve.KneeIndex > 0);
        Assert.Equal(curve.Sorted[curve.KneeIndex] * 0.9, result.Eps);
        Assert.Equal(curve.Distances.Order(), curve.Sorted);

        // A row is core exactly when its k-distance (k = min_samples, itself counted) is within eps.
        Assert.Equal(curve.Distances.Select(d => d <= result.Eps), result.IsCore);
    }

    [Fact]
    public void KDistances_EqualBruteForce_SelfCountedFirst()
    {
        var x = BruteForce.IntegerRows(8, 200, 3, 5);
        var curve = KDistanceCurve.Compute(x, 4);
        for (var i = 0; i < x.Rows; i++)
        {
            Assert.Equal(BruteForce.KthDistance(x, x.Row(i), 4), curve.Distances[i]);
        }

        Assert.Equal(0.0, KDistanceCurve.Compute(x, 1).Distances.Max());
    }

    [Fact]
    public void ThreadCount_DoesNotChangeTheResult()
    {
        var x = BruteForce.IntegerRows(10, 2000, 5, 4);
        var one = Dbscan.Fit(x, new DbscanOptions { Eps = 1.0, MaxDegreeOfParallelism = 1 });
        var many = Dbscan.Fit(x, new DbscanOptions { Eps = 1.0, MaxDegreeOfParallelism = 4 });
        Assert.Equal(one.Labels, many.Labels);
    }
}
