using ScanScope.Confirmation;
using static ScanScope.Tests.Confirmation.SyntheticScans;

namespace ScanScope.Tests.Confirmation;

public sealed class MemberRecoveryTests(ITestOutputHelper output)
{
    /// <summary>
    /// A group of 40–80 hosts scans one or three times; 20–70% of its hosts are held apart from
    /// the cluster (half start an hour late, half run at 0.5–0.8 of the rate; a third of them also
    /// probe another port on their own, as a reused rented server would). Around it: another
    /// group on the same port at the same time, lone scanners of the same port and window with a
    /// member-like destination count, a group on another port at the same time, and the same port
    /// a week later.
    /// </summary>
    private static (ClusterConfirmation Cluster, Dictionary<uint, SourceEvents> Events, HashSet<uint> HeldApart, ConfirmationContext Context) Scenario(int seed)
    {
        var s = new SyntheticScans(seed);
        var rng = s.Rng;
        var group = s.Hosts(rng.Next(40, 81), sameSubnet: seed % 2 == 0);
        var heldApart = group.OrderBy(_ => rng.Next()).Take((int)(group.Length * (0.2 + (0.5 * rng.NextDouble())))).ToHashSet();
        var late = heldApart.Take(heldApart.Count / 2).ToHashSet();
        var slow = heldApart.Except(late).ToDictionary(h => h, _ => 0.5 + (0.3 * rng.NextDouble()));
        var scans = seed % 3 == 0 ? 3 : 1;
        var duration = (2 + (rng.NextDouble() * 6)) * Hour;
        for (var k = 0; k < scans; k++)
        {
            var start = (k * 2 * Day) + Hour;
            s.Scan(group, 443, start, duration,
                rate: i => slow.GetValueOrDefault(group[i], 1),
                offset: i => late.Contains(group[i]) ? Hour : rng.NextDouble() * 5);
            var other = s.Hosts(30, sameSubnet: false);
            s.Scan(other, 443, start + (rng.NextDouble() * Hour), duration);
            s.Scan(s.Hosts(20), 8080, start, duration);
            foreach (var lone in s.Hosts(20, sameSubnet: false))
            {
                s.Lone(lone, 443, start, duration, s.Observers / group.Length);
            }
        }

        s.Scan(s.Hosts(25), 443, 7 * Day, duration);
        foreach (var reused in heldApart.Where((_, i) => i % 3 == 0))
        {
            s.Lone(reused, 23, 10 * Day, Day, 200);
        }

        var events = s.Build();
        var context = s.Context();
        var cluster = ClusterConfirmer.Confirm(Cluster(seed, events, group.Where(h => !heldApart.Contains(h))), context);
        return (cluster, events, heldApart, context);
    }

    [Fact]
    public void HeldApartHosts_AreRecovered_WithHighPrecisionAndRecall()
    {
        int truePositives = 0, falsePositives = 0, heldApartTotal = 0;
        for (var seed = 1; seed <= 6; seed++)
        {
            var (cluster, events, heldApart, context) = Scenario(seed);
            var found = MemberRecovery.Rank(cluster, events.Values, context);
            var tp = found.Count(c => heldApart.Contains(c.Source));
            truePositives += tp;
            falsePositives += found.Count - tp;
            heldApartTotal += heldApart.Count;
            output.WriteLine($"seed {seed}: held apart {heldApart.Count}, found {found.Count}, right {tp}, verdict {cluster.Summary.Verdict}");
        }

        var precision = truePositives / (double)(truePositives + falsePositives);
        var recall = truePositives / (double)heldApartTotal;
        output.WriteLine($"precision {precision:F3} recall {recall:F3} ({truePositives} of {heldApartTotal}, {falsePositives} false)");
        Assert.True(precision >= 0.95, $"precision {precision}");
        Assert.True(recall >= 0.9, $"recall {recall}");
    }

    [Fact]
    public void HeldApartHosts_RankAboveEveryStranger()
    {
        var (cluster, events, heldApart, context) = Scenario(7);

        var ranked = MemberRecovery.Rank(cluster, events.Values, context, minScore: 0);

        var firstStranger = ranked.FindIndex(c => !heldApart.Contains(c.Source));
        var lastHeldApart = ranked.FindLastIndex(c => heldApart.Contains(c.Source));
        Assert.True(lastHeldApart < firstStranger, $"last held-apart host at {lastHeldApart}, first stranger at {firstStranger}");
        Assert.DoesNotContain(ranked, c => cluster.Sources.Contains(c.Source));
    }

    [Fact]
    public void CompleteCluster_HasNothingToRecover()
    {
        var s = new SyntheticScans(8);
        var group = s.Hosts(30);
        s.Scan(group, 22, 0, 3 * Hour);
        foreach (var lone in s.Hosts(10, sameSubnet: false))
        {
            s.Lone(lone, 22, 0, 3 * Hour, 2000);
        }

        var events = s.Build();
        var cluster = ClusterConfirmer.Confirm(Cluster(0, events, group), s.Context());

        Assert.Empty(MemberRecovery.Rank(cluster, events.Values, s.Context()));
    }
}
