using ScanScope.Simulation;

namespace ScanScope.Tests.Simulation;

/// <summary>The discrete-log fast path against walking every element of the scan.</summary>
public sealed class TelescopeIndexTests
{
    [Theory]
    [InlineData(ZmapVersion.V211, "44.10.0.0/16", 1, 7UL, 4, 1)]
    [InlineData(ZmapVersion.V211, "44.10.0.0/16", 1, 1234UL, 3, 2)]
    [InlineData(ZmapVersion.V211, "44.0.0.0/12 192.0.0.0/20", 1, 5UL, 5, 3)]
    [InlineData(ZmapVersion.V4, "44.10.0.0/16", 1, 7UL, 4, 1)]
    [InlineData(ZmapVersion.V4, "44.0.0.0/12 192.0.0.0/20", 1, 77UL, 3, 2)]
    [InlineData(ZmapVersion.V4, "44.10.0.0/18", 3, 9UL, 2, 2)]
    public void FastPath_PlacesEveryTelescopeTargetWhereTheWalkFindsIt(ZmapVersion version, string cidrs, int portCount, ulong seed, int shards, int threads)
    {
        var space = TargetSpace.Create(cidrs.Split(' ').Select(Ipv4Prefix.Parse), version);
        ushort[] ports = [.. Enumerable.Range(0, portCount).Select(i => (ushort)(80 + i))];
        var scan = new ZmapScan(space, new ZmapScanOptions { Version = version, Seed = seed, Shards = shards, Threads = threads, Ports = ports });

        // A telescope of 3,000 random allowed addresses plus some blocked ones that must never be hit.
        var random = new Random((int)seed);
        var telescope = Enumerable.Range(0, 3000).Select(_ => space.AddressAt((ulong)random.NextInt64((long)space.Count))).Distinct().ToList();
        telescope.Add(Ipv4Prefix.Parse("10.0.0.1").First);
        var index = new TelescopeIndex(space, version, telescope, ports);

        var walked = new Dictionary<(uint, ushort), (int, int, ulong)>();
        var wanted = telescope.ToHashSet();
        for (var n = 0; n < shards; n++)
        {
            for (var t = 0; t < scan.Threads; t++)
            {
                foreach (var x in scan.Thread(n, t).Where(x => wanted.Contains(x.Address)))
                {
                    walked.Add((x.Address, x.Port), (x.Shard, x.Thread, x.Step));
                }
            }
        }

        var fast = new Dictionary<(uint, ushort), (int, int, ulong)>();
        index.Locate(scan, (target, sub, step) =>
        {
            var (shard, thread) = scan.ShardOf(sub);
            fast.Add((telescope[target / portCount], ports[target % portCount]), (shard, thread, step));
        });

        Assert.Equal(walked.Count, fast.Count);
        Assert.Equal(telescope.Count - 1, walked.Count / portCount);
        foreach (var (key, value) in walked)
        {
            Assert.Equal(value, fast[key]);
        }
    }

    [Fact]
    public void DiscreteLog_InvertsPowersOfTheRootInEveryGroup()
    {
        var random = new Random(1);
        foreach (var group in CyclicGroup.All.Where(g => g.Prime < 1UL << 37))
        {
            var log = DiscreteLog.For(group);
            for (var i = 0; i < 50; i++)
            {
                var e = (ulong)random.NextInt64((long)group.Order);
                Assert.Equal(e, log.Log(group.Power(group.Root, e)));
            }
        }
    }
}
