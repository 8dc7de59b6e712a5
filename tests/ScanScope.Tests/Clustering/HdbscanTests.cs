using ScanScope.Clustering;
using ScanScope.Evaluation;

namespace ScanScope.Tests.Clustering;

public sealed class HdbscanTests
{
    [Fact]
    public void WellSeparatedBlobsOfVerySizes_AreRecovered()
    {
        // Groups from 12 to 250 members, as scan groups range: one eps cannot fit all densities, HDBSCAN should.
        var (x, truth) = BruteForce.Blobs(11, [12, 40, 250], 30);
        var result = Hdbscan.Fit(x, new HdbscanOptions { MinClusterSize = 8, MinSamples = 5 });
        Assert.Equal(3, result.ClusterCount);
        var blobRows = truth.Select((t, i) => (t, i)).Where(p => p.t >= 0).Select(p => p.i).ToArray();
        var ari = ClusteringMetrics.AdjustedRandIndex(blobRows.Select(i => truth[i]).ToArray(), blobRows.Select(i => result.Labels[i]).ToArray());
        Assert.True(ari > 0.98, $"ARI {ari}");
    }

    [Fact]
    public void RowOrder_ChangesOnlyTheNumbering()
    {
        var (x, _) = BruteForce.Blobs(12, [30, 50, 70], 30);
        var order = Enumerable.Range(0, x.Rows).OrderBy(i => (i * 104729) % x.Rows).ToArray();
        var options = new HdbscanOptions { MinClusterSize = 10, MinSamples = 5 };
        var a = Hdbscan.Fit(x, options);
        var b = Hdbscan.Fit(BruteForce.Permute(x, order), options);
        Assert.True(BruteForce.SamePartition(order.Select(i => a.Labels[i]).ToArray(), b.Labels));
        Assert.Equal(order.Select(i => a.OutlierScores[i]), b.OutlierScores);
    }

    [Fact]
    public void DuplicatedRows_GetTheSameLabelsAsTheirOriginals()
    {
        var (x, _) = BruteForce.Blobs(13, [30, 40], 20);
        var doubled = BruteForce.Permute(x, [.. Enumerable.Range(0, x.Rows), .. Enumerable.Range(0, x.Rows)]);
        var result = Hdbscan.Fit(doubled, new HdbscanOptions { MinClusterSize = 10, MinSamples = 6 });
        Assert.Equal(result.Labels.Take(x.Rows), result.Labels.Skip(x.Rows));
        Assert.True(result.ClusterCount >= 2);
    }

    [Fact]
    public void ProbabilitiesAndOutlierScores_AreInRange_AndNoiseHasProbabilityZero()
    {
        var (x, _) = BruteForce.Blobs(14, [40, 60], 40);
        var result = Hdbscan.Fit(x, new HdbscanOptions { MinClusterSize = 10 });
        Assert.All(result.Probabilities, p => Assert.InRange(p, 0, 1));
        Assert.All(result.OutlierScores, s => Assert.InRange(s, 0, 1));
        Assert.All(result.Labels.Select((l, i) => (l, i)).Where(p => p.l < 0), p => Assert.Equal(0.0, result.Probabilities[p.i]));
        Assert.Contains(result.Probabilities, p => p == 1.0);
    }
}
