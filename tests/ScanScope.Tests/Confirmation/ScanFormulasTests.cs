using ScanScope.Confirmation;

namespace ScanScope.Tests.Confirmation;

public sealed class ScanFormulasTests
{
    [Theory]
    [InlineData(1, 0.0, 256.0)]
    [InlineData(2, 128.0, 181.0)]
    [InlineData(4, 110.9, 128.0)]
    [InlineData(8, 84.7, 90.5)]
    public void SigmaOfDestinationsPerHost_MatchesTheSheetsTable(int hosts, double exactSigma, double thesisSigma)
    {
        // scanner-internals.md §7: full IPv4 less the blocklist, a /16 telescope.
        Assert.Equal(exactSigma, Math.Sqrt(ScanFormulas.HostDestinationVariance(65_536, hosts, ScanFormulas.DefaultAllowedTargets)), 1);
        Assert.Equal(thesisSigma, Math.Sqrt(ScanFormulas.ThesisHostDestinationVariance(65_536, hosts, ScanFormulas.DefaultAllowedTargets)), 1);
    }

    [Fact]
    public void MeanGap_MatchesTheSheetsTable()
    {
        Assert.Equal(14_123, ScanFormulas.MeanGapSlots(65_536, 4, ScanFormulas.DefaultAllowedTargets), 0);
    }

    [Fact]
    public void HostDestinationVariance_MatchesARandomPartitionOfASmallSpace()
    {
        // N = 4096 targets, O = the first 1024, H = 4 shards drawn as a random partition.
        const int n = 4096, o = 1024, h = 4;
        var rng = new Random(3);
        var counts = new List<double>();
        var targets = Enumerable.Range(0, n).ToArray();
        for (var run = 0; run < 2000; run++)
        {
            rng.Shuffle(targets);
            counts.Add(targets.Take(n / h).Count(x => x < o));
        }

        var mean = counts.Average();
        var variance = counts.Sum(c => (c - mean) * (c - mean)) / (counts.Count - 1);
        var exact = ScanFormulas.HostDestinationVariance(o, h, n);
        Assert.InRange(variance, exact * 0.9, exact * 1.1);
        Assert.True(ScanFormulas.ThesisHostDestinationVariance(o, h, n) > exact * 1.25);
    }

    [Fact]
    public void ExpectedHosts_IsObserversOverMean_AsInTheThesisCluster12()
    {
        Assert.Equal(50.2, ScanFormulas.ExpectedHosts(62_883, 1252.5), 1);
    }

    [Fact]
    public void ExpectedHostsError_IsZeroWhenEveryHostIsFound_AndGrowsWithMissingHosts()
    {
        var all = ScanFormulas.ExpectedHostsStandardError(65_536, 50, 50, ScanFormulas.DefaultAllowedTargets);
        var half = ScanFormulas.ExpectedHostsStandardError(65_536, 50, 25, ScanFormulas.DefaultAllowedTargets);
        var few = ScanFormulas.ExpectedHostsStandardError(65_536, 50, 5, ScanFormulas.DefaultAllowedTargets);
        Assert.Equal(0, all);
        Assert.True(half > 0 && few > half);
    }
}
