using ScanScope.Simulation;

namespace ScanScope.Tests.Simulation;

/// <summary>The sheet's §8 test vectors and the structural properties of sharded scans.</summary>
public sealed class ZmapScanTests
{
    [Fact]
    public void Seed7_AesRandomWords_MatchTheSheet()
    {
        using var v2 = new AesRandom(7, ZmapVersion.V211);
        Assert.Equal(0x55ca9473683636d8UL, v2.NextWord());
        Assert.Equal(0xad160347b8e11368UL, v2.NextWord());
        using var v4 = new AesRandom(7, ZmapVersion.V4);
        Assert.Equal(0x55ca9473683636d8UL, v4.NextWord());
        Assert.Equal(0xb74aea98213aa738UL, v4.NextWord());
    }

    [Fact]
    public void Seed7_CyclesAndFirstTargets_MatchTheSheet()
    {
        var slash16 = TargetSpace.Create([Ipv4Prefix.Parse("44.10.0.0/16")], ZmapVersion.V211);
        var c = ZmapCycle.FromSeed(ZmapVersion.V211, 7, slash16.Count, 1);
        Assert.Equal((65_537UL, 21_382UL, 23_176UL), (c.Group.Prime, c.Generator, c.Offset));
        Assert.Equal(52_899UL, ZmapCycle.GeneratorExponent211(c.Group, 0x55ca9473683636d8UL));
        Assert.Equal(["44.10.93.166", "44.10.11.219", "44.10.133.73", "44.10.151.63"], FirstOfEachShard(slash16, ZmapVersion.V211, 4));

        var full = TargetSpace.Create([], ZmapVersion.V211);
        var cf = ZmapCycle.FromSeed(ZmapVersion.V211, 7, full.Count, 1);
        Assert.Equal((2_598_888_924UL, 3_101_758_312UL), (cf.Generator, cf.Offset));
        Assert.Equal(1_748_383_451UL, ZmapCycle.GeneratorExponent211(cf.Group, 0x55ca9473683636d8UL));
        Assert.Equal(["191.226.168.61", "200.101.172.100", "4.190.191.226"], First(full, ZmapVersion.V211, 3));

        var v4 = TargetSpace.Create([Ipv4Prefix.Parse("44.10.0.0/16")], ZmapVersion.V4);
        var c4 = ZmapCycle.FromSeed(ZmapVersion.V4, 7, v4.Count, 1);
        Assert.Equal((52_901UL, 34_302UL), (c4.Generator, c4.Offset));
        Assert.Equal(["44.10.225.174", "44.10.81.225", "44.10.30.81", "44.10.174.30"], FirstOfEachShard(v4, ZmapVersion.V4, 4));

        var full4 = TargetSpace.Create([], ZmapVersion.V4);
        var cf4 = ZmapCycle.FromSeed(ZmapVersion.V4, 7, full4.Count, 1);
        Assert.Equal((3_552_988UL, 557_492_024UL), (cf4.Generator, cf4.Offset));
        Assert.Equal(["35.61.76.207", "181.169.75.252", "7.212.21.28", "16.190.145.238", "170.9.253.14"], First(full4, ZmapVersion.V4, 5));
    }

    [Fact]
    public void DefaultBlocklist_LeavesTheSheetsAllowedCount_WithPartlyAllowedBlocksLast()
    {
        var full = TargetSpace.Create([], ZmapVersion.V211);
        Assert.Equal(DefaultBlocklist.AllowedFullIpv4, full.Count);
        Assert.Equal(4_294_967_311UL, CyclicGroup.Select(ZmapVersion.V211, full.Count, 1).Prime);

        // 15,104 allowed addresses lie in partly allowed /20s and take the last indexes.
        var first = full.AddressAt(full.Count - 15_104);
        Assert.Equal("192.0.1.0", Ipv4Prefix.Format(first));
        Assert.Equal("203.0.127.255", Ipv4Prefix.Format(full.AddressAt(full.Count - 1)));
        Assert.False(full.TryIndexOf(Ipv4Prefix.Parse("10.1.2.3").First, out _));

        var random = new Random(3);
        for (var i = 0; i < 10_000; i++)
        {
            var index = (ulong)random.NextInt64((long)full.Count);
            Assert.True(full.TryIndexOf(full.AddressAt(index), out var back));
            Assert.Equal(index, back);
        }
    }

    [Theory]
    [InlineData(ZmapVersion.V211, 3, 1, "44.10.0.0/20")]
    [InlineData(ZmapVersion.V211, 4, 2, "44.10.0.0/16")]
    [InlineData(ZmapVersion.V4, 3, 1, "44.10.0.0/20")]
    [InlineData(ZmapVersion.V4, 5, 3, "192.0.0.0/20 44.10.0.0/18")]
    public void Shards_AreDisjointAndCoverEveryAllowedTarget(ZmapVersion version, int shards, int threads, string cidrs)
    {
        var space = TargetSpace.Create(cidrs.Split(' ').Select(Ipv4Prefix.Parse), version);
        var scan = new ZmapScan(space, new ZmapScanOptions { Version = version, Seed = 42, Shards = shards, Threads = threads });
        var all = Enumerable.Range(0, shards).SelectMany(scan.SendOrder).Select(t => t.Address).ToList();
        Assert.Equal((int)space.Count, all.Count);
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.All(all, a => Assert.True(space.TryIndexOf(a, out _)));
    }

    [Fact]
    public void V211_WhenShardCountDividesTheOrder_SeedOnlyRelabelsTheShards()
    {
        var space = TargetSpace.Create([Ipv4Prefix.Parse("44.10.0.0/16")], ZmapVersion.V211);
        HashSet<uint>[] Sets(ulong seed)
        {
            var scan = new ZmapScan(space, new ZmapScanOptions { Seed = seed, Shards = 4 });
            return [.. Enumerable.Range(0, 4).Select(n => scan.Thread(n, 0).Select(t => t.Address).ToHashSet())];
        }

        var reference = Sets(7);
        foreach (var seed in new ulong[] { 8, 1234, 99 })
        {
            var other = Sets(seed);
            Assert.All(other, set => Assert.Contains(reference, r => r.SetEquals(set)));
        }
    }

    [Theory]
    [InlineData(ZmapVersion.V4, 7UL)]
    [InlineData(ZmapVersion.V4, 12345UL)]
    public void V4MultiPort_VisitsEveryAddressPortPairOnce(ZmapVersion version, ulong seed)
    {
        var space = TargetSpace.Create([Ipv4Prefix.Parse("44.10.0.0/22")], version);
        ushort[] ports = [80, 443, 8080];
        var scan = new ZmapScan(space, new ZmapScanOptions { Version = version, Seed = seed, Shards = 2, Threads = 2, Ports = ports });
        var pairs = Enumerable.Range(0, 2).SelectMany(scan.SendOrder).Select(t => (t.Address, t.Port)).ToList();
        Assert.Equal(1024 * 3, pairs.Count);
        Assert.Equal(pairs.Count, pairs.Distinct().Count());
    }

    private static string[] FirstOfEachShard(TargetSpace space, ZmapVersion version, int shards)
    {
        var scan = new ZmapScan(space, new ZmapScanOptions { Version = version, Seed = 7, Shards = shards });
        return [.. Enumerable.Range(0, shards).Select(n => Ipv4Prefix.Format(scan.Thread(n, 0).First().Address))];
    }

    private static string[] First(TargetSpace space, ZmapVersion version, int count)
    {
        var scan = new ZmapScan(space, new ZmapScanOptions { Version = version, Seed = 7 });
        return [.. scan.Thread(0, 0).Take(count).Select(t => Ipv4Prefix.Format(t.Address))];
    }
}
