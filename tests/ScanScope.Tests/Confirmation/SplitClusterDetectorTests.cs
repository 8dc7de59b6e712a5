using ScanScope.Confirmation;
using static ScanScope.Tests.Confirmation.SyntheticScans;

namespace ScanScope.Tests.Confirmation;

public sealed class SplitClusterDetectorTests
{
    [Fact]
    public void GroupSplitIntoThreeClusters_IsSuggestedForMerging_AndTheUnionIsComplete()
    {
        // Thesis clusters 4, 26 and 27: one group, three providers at slightly different rates.
        var s = new SyntheticScans(1);
        var group = s.Hosts(36);
        ushort[] ports = [80, 443, 8080];
        for (var k = 0; k < ports.Length; k++)
        {
            s.Scan(group, ports[k], k * 10 * Hour, 6 * Hour, rate: i => i < 12 ? 1 : i < 24 ? 0.9 : 0.8);
        }

        var unrelated = s.Hosts(20);
        s.Scan(unrelated, 80, 0, 6 * Hour);
        s.Scan(unrelated, 443, 10 * Hour, 6 * Hour);
        var events = s.Build();
        var context = s.Context();
        var clusters = new[]
        {
            ClusterConfirmer.Confirm(Cluster(4, events, group.Take(12)), context),
            ClusterConfirmer.Confirm(Cluster(26, events, group.Skip(12).Take(12)), context),
            ClusterConfirmer.Confirm(Cluster(27, events, group.Skip(24)), context),
            ClusterConfirmer.Confirm(Cluster(5, events, unrelated), context),
        };

        var suggestions = SplitClusterDetector.Suggest(clusters, context);

        Assert.Equal([(4, 26), (4, 27), (26, 27)], suggestions.Select(m => (m.ClusterA, m.ClusterB)).Order());
        Assert.All(suggestions, m => Assert.Equal(3, m.MatchedScans));
        Assert.All(suggestions, m => Assert.Equal(0, m.SharedDestinations));
        Assert.All(suggestions, m => Assert.StartsWith("partial", m.UnionVerdict, StringComparison.Ordinal));
        Assert.All(suggestions, m => Assert.InRange(m.UnionExpectedHosts, 32, 40));
    }

    [Fact]
    public void OnlyClustersWithCloseScansOnAPort_AreCompared_AndTheSuggestionsAreThoseOfEveryPair()
    {
        // Eight groups at random days, each split into one to three clusters, one or two ports each.
        var s = new SyntheticScans(7, telescopeBits: 12);
        var clusters = new List<(int Id, uint[] Hosts)>();
        ushort[] ports = [22, 23, 80, 443];
        for (var g = 0; g < 8; g++)
        {
            var group = s.Hosts(12);
            var start = (s.Rng.Next(0, 12) * Day) + (s.Rng.Next(0, 3) * Hour);
            var duration = (1 + s.Rng.Next(6)) * Hour;
            var mine = ports.OrderBy(_ => s.Rng.Next()).Take(1 + s.Rng.Next(2)).ToArray();
            for (var k = 0; k < mine.Length; k++)
            {
                s.Scan(group, mine[k], start + (k * 2 * Day), duration);
            }

            var parts = 1 + s.Rng.Next(3);
            for (var p = 0; p < parts; p++)
            {
                clusters.Add((clusters.Count, group.Where((_, i) => i % parts == p).ToArray()));
            }
        }

        var events = s.Build();
        var context = s.Context();
        var confirmed = clusters.Select(c => ClusterConfirmer.Confirm(Cluster(c.Id, events, c.Hosts), context)).ToArray();

        // Every pair compared, as the detector did before it looked pairs up by port and start.
        var withScans = confirmed.Where(c => c.GroupScans.Count > 0 && c.Category != ScanCategory.Noise).ToArray();
        var everyPair = new List<MergeSuggestion>();
        for (var i = 0; i < withScans.Length; i++)
        {
            for (var j = i + 1; j < withScans.Length; j++)
            {
                if (SplitClusterDetector.Compare(withScans[i], withScans[j], context) is { } m)
                {
                    everyPair.Add(m);
                }
            }
        }

        everyPair.Sort((a, b) => b.Score.CompareTo(a.Score));
        var suggested = SplitClusterDetector.Suggest(confirmed, context);

        Assert.NotEmpty(suggested);
        Assert.Equal(everyPair, suggested);
        Assert.InRange(SplitClusterDetector.Candidates(withScans, (long)(context.BinSeconds * 1e9)).Count, suggested.Count, (withScans.Length * (withScans.Length - 1) / 2) - 1);
    }

    [Fact]
    public void TwoGroupsScanningTheSamePortTogether_AreNotSuggested()
    {
        var s = new SyntheticScans(2);
        var a = s.Hosts(20);
        var b = s.Hosts(20);
        s.Scan(a, 22, 0, 4 * Hour);
        s.Scan(b, 22, 0, 4 * Hour);
        var events = s.Build();
        var context = s.Context();

        var suggestions = SplitClusterDetector.Suggest(
            [ClusterConfirmer.Confirm(Cluster(0, events, a), context), ClusterConfirmer.Confirm(Cluster(1, events, b), context)], context);

        Assert.Empty(suggestions);
    }

    [Fact]
    public void HalvesOfOneScan_AreSuggested_WithACompleteUnion()
    {
        var s = new SyntheticScans(3);
        var group = s.Hosts(24);
        s.Scan(group, 3389, Hour, 5 * Hour);
        var events = s.Build();
        var context = s.Context();

        var suggestion = Assert.Single(SplitClusterDetector.Suggest(
            [ClusterConfirmer.Confirm(Cluster(0, events, group.Take(10)), context), ClusterConfirmer.Confirm(Cluster(1, events, group.Skip(10)), context)], context));

        Assert.Equal("complete", suggestion.UnionVerdict);
        Assert.Equal(24, suggestion.UnionHosts);
        Assert.Equal(1.0, suggestion.Score);
    }
}
