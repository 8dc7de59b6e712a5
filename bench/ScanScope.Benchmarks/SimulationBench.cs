using BenchmarkDotNet.Attributes;
using ScanScope.Simulation;

namespace ScanScope.Benchmarks;

/// <summary>
/// The simulator's fast path against walking the scan: placing a 3 × /16 telescope in one
/// full-IPv4 sharded scan by discrete logs, the one-time log table, walking every element of a /8
/// scan (2^24 elements; a full-IPv4 walk is 256 times that), and the small profile end to end.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class SimulationBench
{
    private static readonly string[] Telescope = ["131.180.0.0/16", "145.94.0.0/16", "130.161.0.0/16"];
    private TargetSpace _full = null!;
    private TelescopeIndex _index = null!;
    private ZmapScan _scan = null!;
    private ZmapScan _slash8 = null!;
    private List<uint> _telescope = null!;

    [GlobalSetup]
    public void Setup()
    {
        _full = TargetSpace.Create([], ZmapVersion.V211);
        _telescope = [.. Telescope.Select(Ipv4Prefix.Parse)
            .SelectMany(p => Enumerable.Range(0, 65536).Select(i => p.First + (uint)i))];
        _index = new TelescopeIndex(_full, ZmapVersion.V211, _telescope, [80]);
        _scan = new ZmapScan(_full, new ZmapScanOptions { Seed = 7, Shards = 254 });
        _slash8 = new ZmapScan(TargetSpace.Create([Ipv4Prefix.Parse("44.0.0.0/8")], ZmapVersion.V211), new ZmapScanOptions { Seed = 7 });
    }

    /// <summary>One full-IPv4 scan by 254 shards: where all 196,608 telescope addresses fall.</summary>
    [Benchmark(Baseline = true)]
    public long LocateFullScan()
    {
        long sum = 0;
        _index.Locate(_scan, (t, sub, step) => sum += (long)step + sub + t);
        return sum;
    }

    /// <summary>The discrete logs of 196,608 telescope addresses (once per group and telescope).</summary>
    [Benchmark]
    public int BuildLogTable() => new TelescopeIndex(_full, ZmapVersion.V211, _telescope, [80]).Count;

    /// <summary>Walking every element of a /8 scan (2^24 + 42 elements).</summary>
    [Benchmark]
    public long WalkSlash8()
    {
        long n = 0;
        foreach (var t in _slash8.Thread(0, 0))
        {
            n += t.Address;
        }

        return n;
    }

    /// <summary>The small profile, packets generated and merged in memory.</summary>
    [Benchmark]
    public long SimulateSmall() => ScenarioSimulator.Simulate(ScenarioProfiles.Get("small", 1), _ => { }).Packets;
}
