using CsCheck;
using System.Globalization;
using System.IO.Compression;
using ScanScope.Clustering;
using ScanScope.Features;

namespace ScanScope.Tests.Clustering;

public sealed class SiblingsTests
{
    private const int Bin = 300;

    /// <summary>
    /// One host of a sharded scan: a share of <paramref name="hits"/> telescope hits (Poisson) spread evenly over
    /// <paramref name="seconds"/> from <paramref name="start"/>; active bins follow from the hits.
    /// </summary>
    private static SiblingSource Shard(Random random, double start, double seconds, double hits, ushort[] ports)
    {
        var n = Math.Max(2, Poisson(random, hits));
        var gap = seconds / n;
        var firstHit = start + (-Math.Log(1 - random.NextDouble()) * gap);
        var bins = Math.Min(n, Math.Ceiling(seconds / Bin));
        var period = bins > 1 ? (seconds - (firstHit - start)) / (bins - 1) : Bin;
        return new SiblingSource(firstHit, bins * Bin, Math.Max(Bin, period), ports.Length, n / (double)ports.Length, gap, ports);
    }

    private static int Poisson(Random random, double mean)
    {
        // Normal approximation is enough for the means used here (hundreds and more).
        var u = 1 - random.NextDouble();
        var v = random.NextDouble();
        return (int)Math.Round(mean + (Math.Sqrt(mean) * Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v)));
    }

    private static List<SiblingSource> LoneScanners(Random random, int count)
    {
        var lone = new List<SiblingSource>();
        for (var i = 0; i < count; i++)
        {
            var hits = 50 * Math.Exp(random.NextDouble() * 4);
            lone.Add(Shard(random, random.NextDouble() * 30 * 86_400, 3600 * (1 + (random.NextDouble() * 40)), hits, [(ushort)(new[] { 22, 23, 80, 443, 8080 }[random.Next(5)])]));
        }

        return lone;
    }

    [Fact]
    public void ShardedGroupAmongLoneScanners_IsOneCluster_AndTheLoneScannersAreNoise()
    {
        // Given a 40-host scan of port 443 (each host a 1/40 share of 240,000 hits over 20 hours) among 500 lone scanners
        var random = new Random(7);
        var group = Enumerable.Range(0, 40).Select(_ => Shard(random, 100_000, 20 * 3600, 6000, [443])).ToList();
        var sources = group.Concat(LoneScanners(random, 500)).ToList();

        // When the sources are clustered by the sibling relation
        var result = Siblings.Fit(sources);

        // Then the group's hosts share one label and no lone scanner has it or any other cluster
        Assert.Single(result.Labels.Take(40).Distinct());
        Assert.True(result.Labels[0] >= 0);
        Assert.True(result.Labels.Skip(40).Count(l => l >= 0) <= 6, $"{result.Labels.Skip(40).Count(l => l >= 0)} lone scanners clustered");
        Assert.DoesNotContain(result.Labels[0], result.Labels.Skip(40));
    }

    [Fact]
    public void SlowShardsWhoseFirstHitsComeBinsApart_JoinThroughTheGapTolerance()
    {
        // A scan at one packet an hour on the telescope: each host's first hit comes about an hour after the
        // start (a geometric wait), so the hosts' first packets lie hours apart.
        var random = new Random(11);
        var group = Enumerable.Range(0, 30).Select(_ => Shard(random, 50_000, 20 * 86_400, 480, [22])).ToList();
        Assert.True(group.Max(s => s.FirstSeen) - group.Min(s => s.FirstSeen) > 4 * Bin);

        var withGaps = Siblings.Fit(group);
        var binsOnly = Siblings.Fit(group, new SiblingOptions { StartGaps = 0 });

        Assert.Single(withGaps.Labels.Distinct());
        Assert.True(withGaps.Labels[0] >= 0);
        Assert.True(binsOnly.Labels.Distinct().Count() > 1, "without the gap term the starts alone split the group");
    }

    [Fact]
    public void TwoGroupsAlikeButForTheirPorts_AreTwoClusters()
    {
        var random = new Random(3);
        ushort[] web = [80, 443, 8080];
        ushort[] remote = [22, 3389, 5900];
        var sources = Enumerable.Range(0, 20).Select(_ => Shard(random, 200_000, 10 * 3600, 9000, web))
            .Concat(Enumerable.Range(0, 20).Select(_ => Shard(random, 200_000, 10 * 3600, 9000, remote)))
            .ToList();

        var labels = Siblings.Fit(sources).Labels;

        Assert.Single(labels.Take(20).Distinct());
        Assert.Single(labels.Skip(20).Distinct());
        Assert.NotEqual(labels[0], labels[20]);
        Assert.All(labels, l => Assert.True(l >= 0));
    }

    [Fact]
    public void GroupsWithTwiceTheShareOfEachOther_AreTwoClusters()
    {
        // Same start, same ports, same duration: 20 hosts with 1/20 of the space each, 40 with 1/40 each.
        var random = new Random(5);
        var sources = Enumerable.Range(0, 20).Select(_ => Shard(random, 300_000, 8 * 3600, 4000, [8000]))
            .Concat(Enumerable.Range(0, 40).Select(_ => Shard(random, 300_000, 8 * 3600, 2000, [8000])))
            .ToList();

        var labels = Siblings.Fit(sources).Labels;

        Assert.Single(labels.Take(20).Distinct());
        Assert.Single(labels.Skip(20).Distinct());
        Assert.NotEqual(labels[0], labels[20]);
    }

    [Fact]
    public void TwoGroupsAlikeLaunchedTwelveMinutesApart_AreTwoClusters()
    {
        // Same port, rate and share; only the launch differs. The first packets, not the binned start, tell them apart.
        var random = new Random(9);
        var sources = Enumerable.Range(0, 40).Select(_ => Shard(random, 720_000, 4 * 3600, 1600, [80]))
            .Concat(Enumerable.Range(0, 45).Select(_ => Shard(random, 720_720, 4 * 3600, 1600, [80])))
            .ToList();

        var labels = Siblings.Fit(sources).Labels;

        Assert.Single(labels.Take(40).Distinct());
        Assert.Single(labels.Skip(40).Distinct());
        Assert.NotEqual(labels[0], labels[40]);
    }

    [Fact]
    public void LookAlikesWithAnotherToolchain_AreNotSiblings()
    {
        // Twenty ZMap shards and twenty Mirai bots that happen to behave alike: one binary runs a scan's shards.
        var random = new Random(13);
        const int zmap = 1 << (int)ScanScope.Packets.Toolchain.ZMap;
        const int mirai = 1 << (int)ScanScope.Packets.Toolchain.Mirai;
        var sources = Enumerable.Range(0, 20).Select(_ => Shard(random, 400_000, 6 * 3600, 3000, [23]) with { Tools = zmap })
            .Concat(Enumerable.Range(0, 20).Select(_ => Shard(random, 400_000, 6 * 3600, 3000, [23]) with { Tools = mirai }))
            .ToList();

        var labels = Siblings.Fit(sources).Labels;

        Assert.Single(labels.Take(20).Distinct());
        Assert.DoesNotContain(labels[0], labels.Skip(20));
        Assert.True(Siblings.SameTool(zmap | (1 << (int)ScanScope.Packets.Toolchain.Masscan), zmap));
        Assert.True(Siblings.SameTool(0, 0));
        Assert.False(Siblings.SameTool(zmap, 0));
    }

    [Theory]
    [InlineData(1, 1.0, 4)]
    [InlineData(2, 1.5, 6)]
    [InlineData(3, 2.0, 3)]
    public void FromNeighbours_OnRadiusNeighbourhoods_EqualsDbscan(int seed, double eps, int minSamples)
    {
        // DBSCAN over a relation is DBSCAN: given the radius neighbourhoods it must label as the k-d tree DBSCAN.
        var x = BruteForce.IntegerRows(seed, 300, 3, 6);
        var neighbours = Enumerable.Range(0, x.Rows).Select(i => BruteForce.Within(x, x.Row(i), eps)).ToArray();

        var labels = Dbscan.FromNeighbours(neighbours, minSamples, out var core);

        var reference = Dbscan.Fit(x, new DbscanOptions { Eps = eps, MinSamples = minSamples });
        Assert.Equal(reference.Labels, labels);
        Assert.Equal(reference.IsCore, core);
    }

    [Fact]
    public void Neighbours_AreEveryPairTheRelationHolds_WhateverTheMixOfStartTolerances()
    {
        // Look-alike sources (few values per feature) with start tolerances from the launch skew alone
        // (one packet) to the one-day cap (packets days apart), first packets over a few days, so that
        // pairs fall within, across and outside the tolerance classes.
        var gen = from n in Gen.Int[1, 400]
                  from seed in Gen.Int
                  from spreadDays in Gen.Int[0, 6]
                  select (n, seed, spreadDays);
        gen.Sample(
            t =>
            {
                var random = new Random(t.seed);
                ushort[][] lists = [[22], [23], [22, 23], [80, 443]];
                double[] gaps = [0, 0, 10, 200, 3_000, 40_000, 200_000];
                var sources = Enumerable.Range(0, t.n).Select(_ => new SiblingSource(
                    FirstSeen: 1.7e9 + (random.NextDouble() * ((t.spreadDays * 86_400) + 1)),
                    Activity: Bin * (1 + random.Next(3)),
                    Period: Bin * (1 + random.Next(2)),
                    Ports: 1 + random.Next(2),
                    DestinationsPerPort: 20 + random.Next(4),
                    Gap: gaps[random.Next(gaps.Length)],
                    PortList: lists[random.Next(lists.Length)],
                    Tools: random.Next(3))).ToList();
                AssertNeighboursAreEveryPair(sources, new SiblingOptions { MaxDegreeOfParallelism = 2 });
            },
            iter: 40,
            seed: "0N0XIzNsQ0O8");
    }

    [Fact]
    public void Neighbours_AreEveryPairTheRelationHolds_WhateverThePortListsAndJaccardThreshold()
    {
        // Port lists of 0 to 9 ports drawn from a small pool with skewed popularity, so that lists overlap
        // by every fraction and the rarest-first order differs from the numeric one; thresholds on both
        // sides of the usual 0.5, including 0 (every pair passes) and 1 (equal lists only).
        var gen = from n in Gen.Int[1, 300]
                  from seed in Gen.Int
                  from jaccard in Gen.OneOf(0.0, 0.2, 1.0 / 3, 0.5, 0.6, 2.0 / 3, 0.75, 1.0)
                  select (n, seed, jaccard);
        gen.Sample(
            t =>
            {
                var random = new Random(t.seed);
                ushort[] pool = [1, 22, 23, 80, 81, 443, 445, 3389, 8080, 65535];
                var sources = Enumerable.Range(0, t.n).Select(_ =>
                {
                    var list = Enumerable.Range(0, random.Next(10)).Select(_ => pool[(int)(pool.Length * Math.Pow(random.NextDouble(), 2))]).Distinct().Order().ToArray();
                    return new SiblingSource(
                        FirstSeen: 1.7e9 + (random.NextDouble() * 3_600),
                        Activity: Bin,
                        Period: Bin,
                        Ports: list.Length,
                        DestinationsPerPort: 20 + random.Next(3),
                        Gap: 0,
                        PortList: list,
                        Tools: 1);
                }).ToList();
                AssertNeighboursAreEveryPair(sources, new SiblingOptions { MaxDegreeOfParallelism = 2, PortJaccard = t.jaccard });
            },
            iter: 60,
            seed: "0N0XIzNsQ0O8");
    }

    // Siblings.Neighbours against every pair tested with the relation's public pieces.
    private static void AssertNeighboursAreEveryPair(List<SiblingSource> sources, SiblingOptions options)
    {
        var actual = Siblings.Neighbours(sources, options);
        Span<double> a = stackalloc double[Siblings.Dimensions];
        Span<double> b = stackalloc double[Siblings.Dimensions];
        for (var i = 0; i < sources.Count; i++)
        {
            var expected = new List<int>();
            for (var j = 0; j < sources.Count; j++)
            {
                Siblings.Coordinates(sources[i], options, a);
                Siblings.Coordinates(sources[j], options, b);
                var d2 = 0.0;
                for (var k = 0; k < Siblings.Dimensions; k++)
                {
                    d2 += (a[k] - b[k]) * (a[k] - b[k]);
                }

                var sibling = d2 <= 1
                    && Math.Abs(sources[i].FirstSeen - sources[j].FirstSeen) <= Math.Max(Siblings.StartTolerance(sources[i], options), Siblings.StartTolerance(sources[j], options))
                    && Siblings.SameTool(sources[i].Tools, sources[j].Tools)
                    && Siblings.PortJaccard(sources[i].PortList, sources[j].PortList) >= options.PortJaccard;
                if (i == j || sibling)
                {
                    expected.Add(j);
                }
            }

            Assert.Equal(expected, actual[i]);
        }
    }

    [Fact]
    public void PortJaccard_OfSortedLists()
    {
        Assert.Equal(1.0, Siblings.PortJaccard([80], [80]));
        Assert.Equal(0.5, Siblings.PortJaccard([22, 80, 443], [80, 443, 8080]));
        Assert.Equal(0.0, Siblings.PortJaccard([22], [23]));
        Assert.Equal(1.0, Siblings.PortJaccard([], []));
    }

    [Fact]
    public void StartTolerance_IsTheLaunchSkewPlusTheGaps_UpToTheCap()
    {
        var options = new SiblingOptions();
        Assert.Equal(300 + (3 * 40.0), Siblings.StartTolerance(new SiblingSource(0, 300, 300, 1, 10, 40, [80]), options));
        Assert.Equal(86_400, Siblings.StartTolerance(new SiblingSource(0, 300, 300, 1, 10, 1e6, [80]), options));
    }

    /// <summary>
    /// Golden file: the features of <c>simulate --profile small --seed 1</c> (analyzed with all SYN sources) and the
    /// labels <c>tests/Fixtures/sklearn/siblings_reference.py</c> gives them (an independent numpy implementation
    /// of the relation, clustered by scikit-learn's DBSCAN on the precomputed graph). The integration test
    /// regenerates the labels with the installed scikit-learn.
    /// </summary>
    [Fact]
    public void SmallProfileFeatures_LabelledAsTheScikitLearnReference()
    {
        var dir = Directory.CreateTempSubdirectory("scanscope-siblings-").FullName;
        try
        {
            var features = Path.Combine(dir, "features.csv");
            using (var gz = new GZipStream(File.OpenRead(Path.Combine(SklearnGolden.StoredDirectory, "siblings_small.features.csv.gz")), CompressionMode.Decompress))
            using (var file = File.Create(features))
            {
                gz.CopyTo(file);
            }

            var expected = SklearnGolden.ReadCsvGz(Path.Combine(SklearnGolden.StoredDirectory, "siblings_small.expected.csv.gz"));
            Assert.Equal(expected["cluster_id"].Select(v => int.Parse(v, CultureInfo.InvariantCulture)), SklearnGolden.ClusterWithSiblings(features));
            Assert.True(expected["cluster_id"].Distinct().Count() > 5);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
