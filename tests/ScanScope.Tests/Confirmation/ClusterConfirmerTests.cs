using ScanScope.Confirmation;
using static ScanScope.Tests.Confirmation.SyntheticScans;

namespace ScanScope.Tests.Confirmation;

public sealed class ClusterConfirmerTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1, 10)]
    [InlineData(2, 50)]
    [InlineData(3, 254)]
    public void CompleteSingleScan_ExpectedHostsWithinTenPercent_JaccardZero_Complete(int seed, int hostCount)
    {
        var s = new SyntheticScans(seed);
        var hosts = s.Hosts(hostCount);
        s.Scan(hosts, 80, 2 * Hour, 6 * Hour);

        var result = ClusterConfirmer.Confirm(Cluster(0, s.Build(), hosts), s.Context());

        var scan = Assert.Single(result.Scans);
        output.WriteLine($"hosts {hostCount}: E[H] {scan.ExpectedHosts:F2}, Jaccard {scan.Jaccard}, verdict {scan.Completeness.Text}");
        Assert.InRange(scan.ExpectedHosts, 0.9 * hostCount, 1.1 * hostCount);
        Assert.Equal(0, scan.Jaccard);
        Assert.Equal(hostCount, scan.Hosts);
        Assert.Equal(s.Observers, scan.UniqueDestinations);
        Assert.Equal("complete", result.Summary.Verdict);
        Assert.Equal("single-port", result.Summary.Category);
        Assert.Equal("80", result.Summary.Ports);
    }

    [Fact]
    public void ClusterWithHostsMissing_IsPartial_AndCountsTheMissingHosts()
    {
        var s = new SyntheticScans(4);
        var hosts = s.Hosts(60);
        s.Scan(hosts, 443, Hour, 4 * Hour);

        var result = ClusterConfirmer.Confirm(Cluster(7, s.Build(), hosts.Take(40)), s.Context());

        Assert.StartsWith("partial: ~", result.Summary.Verdict, StringComparison.Ordinal);
        var missing = result.ReferenceScan!.Completeness.MissingHosts;
        Assert.InRange(missing, 17, 23);
        Assert.InRange(result.Summary.ExpectedHosts, 54, 66);
    }

    [Fact]
    public void OneHostMissingOfFifty_IsPartial_BecauseTheHypergeometricErrorIsTiny()
    {
        var s = new SyntheticScans(5);
        var hosts = s.Hosts(50);
        s.Scan(hosts, 7, Hour, 2 * Hour);

        var result = ClusterConfirmer.Confirm(Cluster(1, s.Build(), hosts.Skip(1)), s.Context());

        Assert.Equal("partial: ~1 host missing", result.Summary.Verdict);
    }

    [Fact]
    public void TwoGroupsScanningTogether_InOneCluster_JaccardClearlyAboveZero_SeveralScansMerged()
    {
        var s = new SyntheticScans(6);
        var a = s.Hosts(30);
        var b = s.Hosts(30);
        s.Scan(a, 22, 0, 5 * Hour);
        s.Scan(b, 22, 10 * 60, 5 * Hour);
        var events = s.Build();

        var merged = ClusterConfirmer.Confirm(Cluster(0, events, a.Concat(b)), s.Context());
        var single = ClusterConfirmer.Confirm(Cluster(1, events, a), s.Context());

        output.WriteLine($"merged: Jaccard {merged.Summary.Jaccard:E3}, single: Jaccard {single.Summary.Jaccard}");
        Assert.Equal("several scans merged", merged.Summary.Verdict);
        Assert.Equal(0, single.Summary.Jaccard);
        // Two independent scans of H hosts each: a cross pair shares |O|/H² of 2|O|/H destinations.
        Assert.InRange(merged.Summary.Jaccard, 1.0 / (4 * 30) * 0.7, 1.0 / (4 * 30) * 1.3);
    }

    [Fact]
    public void Retries_AreFolded_SoTheyNeitherAddDestinationsNorOverlap()
    {
        var s = new SyntheticScans(7);
        var hosts = s.Hosts(20);
        s.Scan(hosts, 80, 0, 3 * Hour, probesPerTarget: 3);

        var result = ClusterConfirmer.Confirm(Cluster(0, s.Build(), hosts), s.Context());

        var scan = Assert.Single(result.Scans);
        Assert.Equal(s.Observers, scan.Hits);
        Assert.Equal(0, scan.Overlap);
        Assert.Equal("complete", scan.Completeness.Text);
    }

    [Fact]
    public void ScanInterruptedByAnOutage_IsCutByTheGap_AndMergedBackByCoverage()
    {
        var s = new SyntheticScans(8);
        var hosts = s.Hosts(25);
        s.Scan(hosts, 8080, 0, 10 * Hour);
        var events = s.Build();
        var outageStart = Epoch + (long)(4 * Hour * 1e9);
        var outageEnd = Epoch + (long)(6 * Hour * 1e9);
        var dark = new ClusterInput(0, [.. hosts.Select(h => Without(events[h], outageStart, outageEnd))]);

        var result = ClusterConfirmer.Confirm(dark, s.Context());

        var scan = Assert.Single(result.Scans);
        Assert.Equal(25, scan.Hosts);
        Assert.InRange(scan.DurationSeconds, 9.9 * Hour, 10.1 * Hour);
    }

    [Fact]
    public void BackToBackScansOfOnePort_WithNoPause_AreCutWhereDestinationsStartRepeating()
    {
        var s = new SyntheticScans(9);
        var hosts = s.Hosts(20);
        s.Scan(hosts, 443, 0, 3 * Hour, offset: _ => 0);
        s.Scan(hosts, 443, 3 * Hour, 3 * Hour, offset: _ => 0);

        var result = ClusterConfirmer.Confirm(Cluster(0, s.Build(), hosts), s.Context());

        Assert.Equal(2, result.Scans.Count);
        Assert.All(result.Scans, scan => Assert.InRange(scan.Coverage, 0.97, 1.0));
        Assert.All(result.Scans, scan => Assert.InRange(scan.ExpectedHosts, 18, 22));
        Assert.Equal([0, 1], result.Scans.Select(x => x.Number));
        Assert.Equal("periodic-single-port", result.Summary.Category);
    }

    [Fact]
    public void ScansOfDifferentRates_OnOnePort_AreSeparatedByTheirOwnGaps()
    {
        var s = new SyntheticScans(10);
        var hosts = s.Hosts(15);
        s.Scan(hosts, 22, 0, 2 * Hour);
        s.Scan(hosts, 22, 26 * Hour, 20 * Hour);

        var result = ClusterConfirmer.Confirm(Cluster(0, s.Build(), hosts), s.Context());

        Assert.Equal(2, result.Scans.Count);
        Assert.InRange(result.Scans[1].DurationSeconds, 19.5 * Hour, 20.1 * Hour);
    }

    [Theory]
    [InlineData(1, 0.25, 3 * Hour)]
    [InlineData(10, 0.5, 3 * Hour)]
    [InlineData(1, 0.25, 3 * Day)]
    [InlineData(3, 0.4, 2 * Day)]
    public void SlowHostsFinishingAlone_StayInTheScan_SoItIsStillComplete(int slowHosts, double slowRate, double duration)
    {
        // A slow scan's lone tail has gaps far above the floor and k × the busy part's median.
        var s = new SyntheticScans(13 + slowHosts, telescopeBits: 14);
        var hosts = s.Hosts(40);
        s.Scan(hosts, 5555, Hour, duration, rate: i => i < slowHosts ? slowRate : 1);
        s.Lone(hosts[5], 5555, 20 * Day, Hour, 4);

        var result = ClusterConfirmer.Confirm(Cluster(0, s.Build(), hosts), s.Context());

        var scan = Assert.Single(result.Scans);
        Assert.Equal(40, scan.Hosts);
        Assert.Equal(s.Observers, scan.UniqueDestinations);
        Assert.InRange(scan.DurationSeconds, duration / slowRate * 0.9, duration / slowRate * 1.01);
        Assert.Equal("complete", result.Summary.Verdict);
    }

    [Fact]
    public void ScanLongerThanTheWindow_IsCutByTheWindow_NotMissingHosts()
    {
        var s = new SyntheticScans(14, telescopeBits: 14);
        var hosts = s.Hosts(20);
        s.Scan(hosts, 22, 5 * Day, 10 * Day);
        var events = s.Build();
        var capturedEnd = Epoch + (long)(10 * Day * 1e9);
        var captured = new ClusterInput(0, [.. hosts.Select(h => Without(events[h], capturedEnd, long.MaxValue))]);

        var result = ClusterConfirmer.Confirm(captured, s.Context(days: 10));

        Assert.Equal("partial: cut by the window", result.Summary.Verdict);
        Assert.Equal(0, result.ReferenceScan!.Completeness.MissingHosts);
        Assert.Equal("single-port", result.Summary.Category);
    }

    [Fact]
    public void TwoOverlappingScansOfOnePort_StayOnePiece_WhoseMultiplicityReportsThem()
    {
        // A greedy group runs a second seed on the same port an hour into the first (3 h each).
        var s = new SyntheticScans(15, telescopeBits: 14);
        var hosts = s.Hosts(16);
        s.Scan(hosts, 80, Hour, 3 * Hour, offset: _ => 0);
        s.Scan(hosts, 80, 2 * Hour, 3 * Hour, offset: _ => 0);

        var result = ClusterConfirmer.Confirm(Cluster(0, s.Build(), hosts), s.Context());

        var scan = Assert.Single(result.Scans);
        // 2 − 1/H: a host that drew a destination in both seeds counts it once.
        Assert.InRange(scan.Multiplicity, 1.9, 2.0);
        Assert.InRange(scan.DurationSeconds, 3.9 * Hour, 4.0 * Hour);
        Assert.Equal("several scans merged", scan.Completeness.Text);
    }

    [Fact]
    public void HostThatTestedAloneBeforeTheGroup_IsMarkedEarly()
    {
        var s = new SyntheticScans(11);
        var hosts = s.Hosts(28);
        s.Lone(hosts[3], 5000, 0, 2 * Day, 259);
        s.Scan(hosts, 3000, 3 * Day, 8 * Hour);
        s.Scan(hosts, 3790, 3.5 * Day, 8 * Hour);

        var result = ClusterConfirmer.Confirm(Cluster(40, s.Build(), hosts), s.Context());

        var early = Assert.Single(result.EarlyHosts);
        Assert.Equal(hosts[3], early.Source);
        Assert.Equal(259, early.ProbesBefore);
        Assert.Equal("5000", early.PortsBefore);
        Assert.Equal("slow-sweeping", result.Summary.Category);
        Assert.Equal("complete", result.Summary.Verdict);
    }

    [Fact]
    public void SubnetCounts_CountDistinctNetworks()
    {
        var s = new SyntheticScans(12);
        var hosts = new uint[] { 0x01020304, 0x01020305, 0x01021001, 0x01FF0001, 0x02000001 };
        s.Scan(hosts, 80, 0, Hour);

        var summary = ClusterConfirmer.Confirm(Cluster(0, s.Build(), hosts), s.Context()).Summary;

        Assert.Equal((2, 3, 4), (summary.Slash8, summary.Slash16, summary.Slash24));
        Assert.Null(summary.Countries);
        Assert.Null(summary.Organizations);
    }

    private static SourceEvents Without(SourceEvents e, long from, long to)
    {
        var keep = Enumerable.Range(0, e.Count).Where(i => e.TimesNs[i] < from || e.TimesNs[i] >= to).ToArray();
        return new SourceEvents(e.Source, [.. keep.Select(i => e.TimesNs[i])], [.. keep.Select(i => e.Destinations[i])], [.. keep.Select(i => e.Ports[i])]);
    }
}
