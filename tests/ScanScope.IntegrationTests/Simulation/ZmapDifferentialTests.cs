using System.Diagnostics;
using ScanScope.Simulation;

namespace ScanScope.IntegrationTests.Simulation;

/// <summary>
/// The simulator's target order against Debian's zmap 2.1.1, element by element. zmap only ever
/// runs with --dryrun (it then prints the probes and sends nothing); see <see cref="ZmapDryrun"/>.
/// </summary>
public sealed class ZmapDifferentialTests
{
    [Theory]
    [InlineData(7UL, 4, "44.10.0.0/16")]
    [InlineData(8UL, 4, "44.10.0.0/16")]
    [InlineData(1234UL, 4, "44.10.0.0/16")]
    [InlineData(7UL, 3, "44.10.0.0/20")]
    [InlineData(99UL, 2, "192.0.0.0/20 44.10.0.0/20")]
    [InlineData(5UL, 3, "198.51.96.0/20 203.0.112.0/22 44.0.0.0/14")]
    public void SingleThreadShards_MatchZmapInSendOrder(ulong seed, int shards, string cidrs)
    {
        ZmapDryrun.SkipUnlessInstalled();
        var space = TargetSpace.Create(cidrs.Split(' ').Select(Ipv4Prefix.Parse), ZmapVersion.V211);
        for (var n = 0; n < shards; n++)
        {
            var scan = new ZmapScan(space, new ZmapScanOptions { Seed = seed, Shards = shards });
            var expected = scan.Thread(n, 0).Select(t => t.Address).ToList();
            var actual = ZmapDryrun.Targets($"--shards={shards} --shard={n} --seed={seed} -T 1 {cidrs}");
            Assert.Equal(expected.Count, actual.Count);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void MaxTargetsOnASlash8_AppliesPerShardProcess_InSendOrder()
    {
        ZmapDryrun.SkipUnlessInstalled();
        var space = TargetSpace.Create([Ipv4Prefix.Parse("44.0.0.0/8")], ZmapVersion.V211);
        for (var n = 0; n < 4; n++)
        {
            var scan = new ZmapScan(space, new ZmapScanOptions { Seed = 7, Shards = 4, MaxTargets = 1000 });
            var expected = scan.Thread(n, 0).Select(t => t.Address).ToList();
            var actual = ZmapDryrun.Targets($"--shards=4 --shard={n} --seed=7 -T 1 -n 1000 44.0.0.0/8");
            Assert.Equal(1000, actual.Count);
            Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [InlineData(7UL, 2, 2, "44.10.0.0/16", 0UL)]
    [InlineData(31UL, 3, 3, "44.10.0.0/17", 0UL)]
    [InlineData(11UL, 2, 3, "44.0.0.0/12", 3001UL)]
    public void SeveralThreads_SameSetAndEachThreadInOrder(ulong seed, int shards, int threads, string cidr, ulong maxTargets)
    {
        ZmapDryrun.SkipUnlessInstalled();
        var space = TargetSpace.Create([Ipv4Prefix.Parse(cidr)], ZmapVersion.V211);
        var scan = new ZmapScan(space, new ZmapScanOptions { Seed = seed, Shards = shards, Threads = threads, MaxTargets = maxTargets });
        for (var n = 0; n < shards; n++)
        {
            var limit = maxTargets > 0 ? $"-n {maxTargets}" : string.Empty;
            var actual = ZmapDryrun.Targets($"--shards={shards} --shard={n} --seed={seed} -T {threads} {limit} {cidr}");
            var perThread = Enumerable.Range(0, threads).Select(t => scan.Thread(n, t).Select(x => x.Address).ToList()).ToList();
            Assert.Equal(perThread.Sum(t => t.Count), actual.Count);
            var threadOf = new Dictionary<uint, int>();
            for (var t = 0; t < threads; t++)
            {
                foreach (var a in perThread[t])
                {
                    threadOf.Add(a, t);
                }
            }

            // zmap's threads interleave by scheduling, but each one prints its own targets in order.
            for (var t = 0; t < threads; t++)
            {
                var thread = t;
                Assert.Equal(perThread[t], actual.Where(a => threadOf.TryGetValue(a, out var owner) && owner == thread).ToList());
            }

            Assert.All(actual, a => Assert.True(threadOf.ContainsKey(a)));
        }
    }
}

/// <summary>Starts Debian's zmap 2.1.1 — always and only with --dryrun — and reads its printed targets.</summary>
internal static class ZmapDryrun
{
    private const string Binary = "/usr/sbin/zmap";
    private const string Common = "--dryrun -p 80 -i lo -G 00:00:00:00:00:00 --source-ip=1.2.3.4 -c 0 -q";

    public static void SkipUnlessInstalled()
    {
        if (!File.Exists(Binary))
        {
            Assert.Skip("zmap is not installed: run ./run-tests (installs Debian's zmap 2.1.1) or apt-get install zmap");
        }
    }

    /// <summary>The destination addresses zmap prints, in output order.</summary>
    public static List<uint> Targets(string arguments)
    {
        var all = $"{Common} {arguments}";
        var args = all.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        // Safety: zmap must never send a packet from a test.
        if (!args.Contains("--dryrun"))
        {
            throw new InvalidOperationException("refusing to start zmap without --dryrun");
        }

        var info = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start zmap");
        var stderr = process.StandardError.ReadToEndAsync();
        var targets = new List<uint>();
        while (process.StandardOutput.ReadLine() is { } line)
        {
            // 4 lines per probe; the ip line reads "ip { saddr: 1.2.3.4 | daddr: 44.10.11.219 | checksum: 0XABB3 }".
            var at = line.IndexOf("daddr: ", StringComparison.Ordinal);
            if (!line.StartsWith("ip {", StringComparison.Ordinal) || at < 0)
            {
                continue;
            }

            var end = line.IndexOf(' ', at + 7);
            Assert.True(Ipv4Prefix.TryParseAddress(line[(at + 7)..end], out var address), line);
            targets.Add(address);
        }

        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"zmap {all} exited with {process.ExitCode}: {stderr.Result}");
        return targets;
    }
}
