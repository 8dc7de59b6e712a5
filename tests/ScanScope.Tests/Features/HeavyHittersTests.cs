using ScanScope.Features;

namespace ScanScope.Tests.Features;

public sealed class HeavyHittersTests
{
    private static FeatureRow Row(uint src, int destinations) => new()
    {
        Src = src, Destinations = destinations, Period = 300, Start = 0, Activity = 300, Ports = 1, FirstSeenNs = 0, LastSeenNs = 0,
        Packets = destinations, PortList = [80], PortDestinations = [destinations], Tools = [], TtlMin = 64, TtlMax = 64,
    };

    // 200 slow sources with 1-40 destinations each and 6 that cover 93-100% of |O| = 1000.
    private static List<FeatureRow> Rows()
    {
        var rows = new List<FeatureRow>();
        for (var i = 0; i < 200; i++)
        {
            rows.Add(Row((uint)i, 1 + (i % 40)));
        }

        foreach (var d in new[] { 930, 950, 970, 990, 1000, 1000 })
        {
            rows.Add(Row((uint)rows.Count, d));
        }

        return rows;
    }

    [Fact]
    public void KneeOfTheCoverageCurve_SetsAsideTheSourcesThatCoverTheTelescope()
    {
        var (marked, result) = HeavyHitters.Mark(Rows(), activeObservers: 1000);

        Assert.True(result.FromKnee);
        Assert.Equal(6, result.Count);
        Assert.All(marked.Where(r => r.HeavyHitter), r => Assert.True(r.Destinations >= 930));
        Assert.Equal(0.04, marked[39].Coverage, 12);
    }

    [Fact]
    public void FixedThreshold_MarksSourcesAtOrAboveIt()
    {
        var (marked, result) = HeavyHitters.Mark(Rows(), activeObservers: 1000, fixedThreshold: 0.97);

        Assert.False(result.FromKnee);
        Assert.Equal(4, result.Count);
        Assert.Equal(4, marked.Count(r => r.HeavyHitter));
    }

    [Fact]
    public void PerPort_MarksAHostThatScannedTheTelescopeAlone_NotTheHostsOfASmallMultiPortGroup()
    {
        // Given |O| = 1000: ten shards of a four-port scan, each with a tenth of the telescope on every port
        // (their union over the ports reaches a third of it), a lone host with 60% of it on one port, and one with
        // 45% on each of two ports.
        var rows = Enumerable.Range(0, 10).Select(i => Row((uint)i, 340) with { Ports = 4, PortList = [80, 81, 82, 83], PortDestinations = [100, 101, 99, 100] }).ToList();
        rows.Add(Row(10, 600));
        rows.Add(Row(11, 700) with { Ports = 2, PortList = [22, 23], PortDestinations = [450, 450] });

        var (marked, result) = HeavyHitters.Mark(rows, activeObservers: 1000, measure: HeavyHitterCoverage.PerPort);

        Assert.Equal(HeavyHitters.PerPortThreshold, result.Threshold);
        Assert.Equal([10], marked.Select((r, i) => (r, i)).Where(t => t.r.HeavyHitter).Select(t => t.i));
        Assert.Equal(0.34, marked[0].Coverage, 12);

        // The thesis' total coverage grows with every port a shard probes: it passes 0.3 here.
        var (total, _) = HeavyHitters.Mark(rows, activeObservers: 1000, fixedThreshold: 0.3);
        Assert.True(total[0].HeavyHitter);
    }

    [Fact]
    public void NoActiveObservers_MarksNothing()
    {
        var (marked, result) = HeavyHitters.Mark(Rows(), activeObservers: 0);

        Assert.Equal(0, result.Count);
        Assert.True(double.IsNaN(result.Threshold));
        Assert.DoesNotContain(marked, r => r.HeavyHitter);
    }
}

public sealed class HeavyHittersPlateauTests
{
    [Fact]
    public void NoisyPlateauOfHeavySources_IsMarkedAsAWhole()
    {
        // 10,000 slow sources with 1-8 destinations, 50 heavy ones with 390-400 of |O| = 1181:
        // the heavy plateau wiggles, and each wiggle must not count as the knee.
        var random = new Random(5);
        var rows = new List<FeatureRow>();
        for (var i = 0; i < 10_000; i++)
        {
            rows.Add(Row((uint)i, 1 + random.Next(8)));
        }

        for (var i = 0; i < 50; i++)
        {
            rows.Add(Row((uint)(20_000 + i), 390 + random.Next(11)));
        }

        var (marked, result) = HeavyHitters.Mark(rows, activeObservers: 1181);

        Assert.Equal(50, result.Count);
        Assert.All(marked.Where(r => r.HeavyHitter), r => Assert.True(r.Src >= 20_000));
    }

    private static FeatureRow Row(uint src, int destinations) => new()
    {
        Src = src, Destinations = destinations, Period = 300, Start = 0, Activity = 300, Ports = 1, FirstSeenNs = 0, LastSeenNs = 0,
        Packets = destinations, PortList = [80], PortDestinations = [destinations], Tools = [], TtlMin = 64, TtlMax = 64,
    };
}
