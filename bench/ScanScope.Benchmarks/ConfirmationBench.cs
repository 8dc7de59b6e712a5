using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using ScanScope.Confirmation;

namespace ScanScope.Benchmarks;

/// <summary>
/// Mean pairwise Jaccard: ScanScope's sort-and-count against pairwise HashSet intersections (the
/// obvious method), on one sharded scan (254 hosts, /16 telescope, disjoint sets) and on a noise
/// cluster (200 lone scanners with 2,000 random destinations each); and the whole confirmation
/// of that sharded scan.
/// </summary>
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 2, iterationCount: 5)]
[MemoryDiagnoser]
public class ConfirmationBench
{
    private List<IReadOnlyCollection<uint>> _shards = [];
    private List<IReadOnlyCollection<uint>> _noise = [];
    private ClusterInput _cluster = null!;
    private ConfirmationContext _context = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        var telescope = Enumerable.Range(0, 65_536).Select(i => 0x2C0A0000u + (uint)i).ToArray();
        var owner = telescope.Select(_ => rng.Next(254)).ToArray();
        _shards = [.. Enumerable.Range(0, 254).Select(h => (IReadOnlyCollection<uint>)telescope.Where((_, i) => owner[i] == h).ToHashSet())];
        _noise = [.. Enumerable.Range(0, 200).Select(_ => (IReadOnlyCollection<uint>)Enumerable.Range(0, 2000).Select(_ => telescope[rng.Next(telescope.Length)]).ToHashSet())];

        const long epoch = 1_700_000_000L * 1_000_000_000;
        var builder = new SourceEventsBuilder();
        for (var i = 0; i < telescope.Length; i++)
        {
            builder.Add(0x0A000001u + (uint)owner[i], epoch + (long)(rng.NextDouble() * 6 * 3600 * 1e9), telescope[i], 80);
        }

        _cluster = new ClusterInput(0, [.. builder.Build().Values]);
        _context = new ConfirmationContext(telescope.Length, epoch, epoch + (30L * 86_400 * 1_000_000_000));
    }

    [Benchmark(Baseline = true)]
    public double JaccardNaive_ShardedScan() => Naive(_shards);

    [Benchmark]
    public double JaccardSorted_ShardedScan() => PairwiseJaccard.Mean(_shards);

    [Benchmark]
    public double JaccardNaive_Noise() => Naive(_noise);

    [Benchmark]
    public double JaccardSorted_Noise() => PairwiseJaccard.Mean(_noise);

    [Benchmark]
    public int Confirm_ShardedScan254Hosts() => ClusterConfirmer.Confirm(_cluster, _context).Scans.Count;

    private static double Naive(List<IReadOnlyCollection<uint>> sets)
    {
        var sum = 0.0;
        for (var i = 0; i < sets.Count; i++)
        {
            var a = (HashSet<uint>)sets[i];
            for (var j = i + 1; j < sets.Count; j++)
            {
                var shared = 0;
                foreach (var d in sets[j])
                {
                    if (a.Contains(d))
                    {
                        shared++;
                    }
                }

                sum += shared / (double)(a.Count + sets[j].Count - shared);
            }
        }

        return sum / (sets.Count * (sets.Count - 1) / 2.0);
    }
}

/// <summary>
/// A cluster's probes split by port, retries folded, sorted by (time, host, destination):
/// <see cref="PortHits.ByPort"/> (time buckets, a stamped open-addressing retry table) against the
/// same work with the runtime's collections (a dictionary of last kept times and the introsort of
/// each port's hits), which is what ByPort did until session 8. 200 hosts of a sharded scan of a /16
/// (1.3 M probes on port 23 within a day, 3% retries after 1–10 s) and 2% stray probes over the month.
/// </summary>
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 2, iterationCount: 5)]
[MemoryDiagnoser]
public class PortHitsBench
{
    private const long RetryNs = 60_000_000_000L;
    private List<SourceEvents> _sources = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        const long epoch = 1_700_000_000L * 1_000_000_000;
        const long day = 86_400L * 1_000_000_000;
        var builder = new SourceEventsBuilder();
        for (var round = 0; round < 20; round++)
        {
            for (var i = 0; i < 65_536; i++)
            {
                var host = 0x0A000001u + (uint)rng.Next(200);
                var t = epoch + (10 * day) + (long)(rng.NextDouble() * day);
                var dst = 0x2C0A0000u + (uint)i;
                builder.Add(host, t, dst, 23);
                if (rng.NextDouble() < 0.03)
                {
                    builder.Add(host, t + rng.NextInt64(1_000_000_000, 10_000_000_000), dst, 23);
                }

                if (rng.NextDouble() < 0.02)
                {
                    builder.Add(host, epoch + rng.NextInt64(30 * day), 0x2C0A0000u + (uint)rng.Next(65_536), (ushort)rng.Next(1, 1024));
                }
            }
        }

        _sources = [.. builder.Build().Values];
    }

    [Benchmark(Baseline = true)]
    public int RuntimeDictionaryAndIntrosort() => RuntimeCollections(_sources).Sum(p => p.Times.Length);

    [Benchmark]
    public int ScanScopeByPort() => PortHits.ByPort(_sources, RetryNs, null).Sum(p => p.Count);

    private static List<(ushort Port, long[] Times, int[] Hosts, uint[] Destinations)> RuntimeCollections(List<SourceEvents> sources)
    {
        var perPort = new Dictionary<ushort, List<PortHits.Hit>>();
        var last = new Dictionary<ulong, long>();
        for (var h = 0; h < sources.Count; h++)
        {
            var s = sources[h];
            last.Clear();
            for (var i = 0; i < s.Count; i++)
            {
                var key = ((ulong)s.Destinations[i] << 16) | s.Ports[i];
                ref var previous = ref CollectionsMarshal.GetValueRefOrAddDefault(last, key, out var seen);
                if (seen && s.TimesNs[i] - previous <= RetryNs)
                {
                    continue;
                }

                previous = s.TimesNs[i];
                ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(perPort, s.Ports[i], out _);
                (list ??= []).Add(new PortHits.Hit(s.TimesNs[i], h, s.Destinations[i]));
            }
        }

        var result = new List<(ushort, long[], int[], uint[])>();
        foreach (var (port, list) in perPort.OrderBy(kv => kv.Key))
        {
            var span = CollectionsMarshal.AsSpan(list);
            span.Sort();
            result.Add((port, [.. list.Select(x => x.T)], [.. list.Select(x => x.H)], [.. list.Select(x => x.D)]));
        }

        return result;
    }
}

/// <summary>
/// <c>confirm-large HOSTS SCANS OBSERVERS ROUNDS [HOURS]</c>: one cluster the size of the largest of the
/// 2·10^8-packet capture (62 hosts, 58 scans over a month on two ports, 4.8·10^5 observers: 2.8·10^7
/// probes), timed in its steps — the probes by port (retries folded, sorted), the segmentation of
/// each port, the whole confirmation — in one process, ROUNDS times.
/// </summary>
public static class ConfirmLarge
{
    public static bool TryRun(string[] args)
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        switch (args)
        {
            case ["confirm-large", var hosts, var scans, var observers, var rounds]:
                Run(int.Parse(hosts, culture), int.Parse(scans, culture), int.Parse(observers, culture), int.Parse(rounds, culture), 12);
                return true;
            case ["confirm-large", var hosts, var scans, var observers, var rounds, var hours]:
                Run(int.Parse(hosts, culture), int.Parse(scans, culture), int.Parse(observers, culture), int.Parse(rounds, culture), double.Parse(hours, culture));
                return true;
            default:
                return false;
        }
    }

    private static void Run(int hosts, int scans, int observers, int rounds, double hours)
    {
        var rng = new Random(1);
        const long epoch = 1_685_577_600L * 1_000_000_000;
        const long day = 86_400L * 1_000_000_000;
        var builder = new SourceEventsBuilder();
        for (var s = 0; s < scans; s++)
        {
            // Scans alternate between two ports, a new one every 30/scans days, each lasting HOURS (12).
            var port = (ushort)(s % 2 == 0 ? 23 : 2323);
            var start = epoch + (s * 30L * day / scans);
            for (var i = 0; i < observers; i++)
            {
                builder.Add(0x0A000001u + (uint)rng.Next(hosts), start + rng.NextInt64((long)(hours * 3600e9)), 0x3E000000u + (uint)(i * 7), port);
            }
        }

        var input = new ClusterInput(0, [.. builder.Build().Values]);
        var context = new ConfirmationContext(observers, epoch, epoch + (30 * day));
        Console.WriteLine($"{input.Sources.Count} hosts, {input.Sources.Sum(s => s.Count):N0} probes");
        for (var r = 0; r < rounds; r++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var a0 = GC.GetTotalAllocatedBytes(precise: true);
            var byPort = PortHits.ByPort(input.Sources, 60_000_000_000L, null);
            var a1 = GC.GetTotalAllocatedBytes(precise: true);
            var tByPort = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var pieces = byPort.Sum(p => ScanSegmenter.Segment(p, context).Count);
            var tSegment = clock.Elapsed.TotalSeconds;
            PortHits.Release(byPort);
            var a2 = GC.GetTotalAllocatedBytes(precise: true);
            clock.Restart();
            var found = ClusterConfirmer.Confirm(input, context).Scans.Count;
            var tConfirm = clock.Elapsed.TotalSeconds;
            var a3 = GC.GetTotalAllocatedBytes(precise: true);
            Console.WriteLine($"round {r}: by port {tByPort:F3} s ({(a1 - a0) / 1e6:F0} MB allocated), segment {tSegment:F3} s ({pieces} scans, {(a2 - a1) / 1e6:F0} MB), whole confirmation {tConfirm:F3} s ({found} scans, {(a3 - a2) / 1e6:F0} MB)");
        }
    }
}
