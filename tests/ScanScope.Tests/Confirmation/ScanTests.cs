using CsCheck;
using ScanScope.Confirmation;

namespace ScanScope.Tests.Confirmation;

public sealed class ScanTests
{
    [Fact]
    public void OneSortPerScan_GivesWhatHashSetsPerHostGive()
    {
        // Random probes with repeats: hosts of very different sizes (some below the participation
        // share of the median), destinations shared between some hosts, in any order.
        var gen = from hosts in Gen.Int[1, 40]
                  from probes in Gen.Int[0, 3000]
                  from spread in Gen.Int[1, 20_000]
                  from seed in Gen.Int
                  select (hosts, probes, spread, seed);
        gen.Sample(
            t =>
            {
                var random = new Random(t.seed);
                var addresses = Enumerable.Range(0, t.hosts).Select(h => 0x0A000000u + (uint)(h * 7919)).ToArray();
                var weights = Enumerable.Range(0, t.hosts).Select(_ => random.Next(1, 100)).ToArray();
                var list = new List<(int Host, uint Dst)>();
                for (var i = 0; i < t.probes; i++)
                {
                    var pick = random.Next(weights.Sum());
                    var host = 0;
                    while (pick >= weights[host])
                    {
                        pick -= weights[host++];
                    }

                    list.Add((host, 0x2C000000u + (uint)random.Next(t.spread)));
                }

                var context = new ConfirmationContext(65_536, 0, 3_600_000_000_000L);
                var keys = list.Select(p => ((ulong)p.Dst << 32) | (uint)p.Host).ToArray();
                var scan = new Scan(80, 0, 1, keys, addresses, list.Count, context);

                // The same figures from a hash set per host, as the confirmation computed them before.
                var perHost = list.GroupBy(p => addresses[p.Host]).ToDictionary(g => g.Key, g => g.Select(p => p.Dst).ToHashSet());
                var counts = perHost.Values.Select(s => s.Count).Order().ToArray();
                var median = counts.Length == 0 ? 0 : counts[counts.Length / 2];
                var minimum = Math.Max(1, context.Options.ParticipationShare * median);
                var taking = perHost.Where(kv => kv.Value.Count >= minimum).ToDictionary(kv => kv.Key, kv => kv.Value);
                var union = taking.Values.SelectMany(s => s).Distinct().Count();
                var pairs = taking.Values.Sum(s => s.Count);
                var all = list.Select(p => p.Dst).Distinct().Order().ToArray();
                var jaccard = 0.0;
                var sets = taking.Values.ToArray();
                for (var i = 0; i < sets.Length; i++)
                {
                    for (var j = i + 1; j < sets.Length; j++)
                    {
                        var shared = sets[i].Count(sets[j].Contains);
                        jaccard += shared / (double)(sets[i].Count + sets[j].Count - shared);
                    }
                }

                jaccard = sets.Length < 2 ? 0 : jaccard / (sets.Length * (sets.Length - 1) / 2.0);

                Assert.Equal(all, scan.Destinations);
                Assert.Equal(perHost.Count, scan.ActiveHosts);
                Assert.Equal(taking.Count, scan.Hosts);
                Assert.Equal(taking.OrderBy(kv => kv.Key).Select(kv => (kv.Key, kv.Value.Count)), scan.HostDestinationCounts.OrderBy(kv => kv.Key).Select(kv => (kv.Key, kv.Value)));
                Assert.Equal(taking.Count == 0 ? 0 : pairs / (double)taking.Count, scan.DestinationsPerHost, 12);
                Assert.Equal(pairs == 0 ? 0 : 1 - (union / (double)pairs), scan.Overlap, 12);
                Assert.Equal(jaccard, scan.Jaccard, 12);
                Assert.All(all.Take(20), d => Assert.True(scan.Probed(d)));
                Assert.False(scan.Probed(0x2B000000u));
            },
            iter: 150,
            seed: "0N0XIzNsQ0O4");
    }

    [Fact]
    public void SharedDestinations_IsTheSizeOfTheIntersection()
    {
        var context = new ConfirmationContext(65_536, 0, 1);
        Scan Of(params uint[] dst) => new(80, 0, 1, dst.Select(d => (ulong)d << 32).ToArray(), [0x0A000001u], dst.Length, context);
        var a = Of(1, 5, 9, 12, 40);
        var b = Of(0, 5, 12, 13, 40, 41);
        Assert.Equal(3, Scan.SharedDestinations(a, b));
        Assert.Equal(3, Scan.SharedDestinations(b, a));
        Assert.Equal(5, Scan.SharedDestinations(a, a));
        Assert.Equal(0, Scan.SharedDestinations(a, Of(2, 3)));
    }
}
