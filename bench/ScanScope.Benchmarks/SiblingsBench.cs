using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using ScanScope.Clustering;

namespace ScanScope.Benchmarks;

/// <summary>
/// The sibling clustering (<c>--algorithm siblings</c>) against the thesis' DBSCAN on the same sources: a telescope-like
/// population in which most sources send a handful of packets (backscatter, background), many are lone scanners and
/// a few per cent are hosts of sharded scans. <c>dotnet run -c Release --project bench/ScanScope.Benchmarks --
/// --siblings-scaling [N...]</c> prints one line per size with both times and the ratio.
/// </summary>
[MemoryDiagnoser]
public class SiblingsBench
{
    private SiblingSource[] _sources = [];
    private FeatureMatrix _scaled = null!;

    [Params(10_000, 100_000)]
    public int Sources { get; set; }

    [GlobalSetup]
    public void Setup() => (_sources, _scaled) = Population(Sources, seed: 1);

    [Benchmark(Baseline = true)]
    public int ThesisDbscan() => Dbscan.Fit(_scaled, new DbscanOptions { MaxDegreeOfParallelism = 1 }).ClusterCount;

    [Benchmark]
    public int Siblings() => Clustering.Siblings.Fit(_sources, new SiblingOptions { MaxDegreeOfParallelism = 1 }).ClusterCount;

    /// <summary>
    /// <paramref name="n"/> sources over a 30-day window: 60% with 1–5 packets at random times and ports, 37% lone
    /// scanners of one port, 3% hosts of sharded scans (groups of 10–250). Also the robust-scaled thesis features.
    /// </summary>
    public static (SiblingSource[] Sources, FeatureMatrix Scaled) Population(int n, int seed)
    {
        var random = new Random(seed);
        const double month = 30 * 86_400.0;
        const int bin = 300;
        ushort[] popular = [22, 23, 80, 443, 445, 3389, 8080, 5900, 2323, 1433];
        var sources = new List<SiblingSource>(n);
        var thesis = new List<double[]>(n);
        void Add(double start, double seconds, int packets, ushort[] ports)
        {
            var startBin = Math.Floor(start / bin) * bin;
            var bins = Math.Max(1, Math.Min(packets, Math.Ceiling(seconds / bin)));
            var period = bins > 1 ? Math.Max(bin, seconds / (bins - 1)) : bin;
            var gap = packets > 1 ? seconds / (packets - 1) : 0;
            Array.Sort(ports);
            sources.Add(new SiblingSource(startBin, bins * bin, period, ports.Length, packets / (double)ports.Length, gap, ports));
            thesis.Add([packets, period, startBin, bins * bin, ports.Length]);
        }

        while (sources.Count < n * 3 / 100)
        {
            var hosts = 10 + random.Next(240);
            var start = random.NextDouble() * month * 0.9;
            var seconds = 3600 * (1 + (random.NextDouble() * 60));
            var share = 200 + random.Next(20_000);
            ushort[] ports = [.. Enumerable.Range(0, 1 + random.Next(3)).Select(_ => (ushort)random.Next(1, 65536)).Distinct()];
            for (var h = 0; h < hosts && sources.Count < n * 3 / 100; h++)
            {
                Add(start + (random.NextDouble() * 60), seconds, share * ports.Length, [.. ports]);
            }
        }

        while (sources.Count < n * 40 / 100)
        {
            var packets = 20 + (int)Math.Exp(random.NextDouble() * Math.Log(2000));
            Add(random.NextDouble() * month, 3600 * random.NextDouble() * 48, packets, [popular[random.Next(popular.Length)]]);
        }

        while (sources.Count < n)
        {
            var packets = 1 + random.Next(5);
            Add(random.NextDouble() * month, packets == 1 ? 0 : random.NextDouble() * month / 4, packets, [.. Enumerable.Range(0, packets).Select(_ => (ushort)random.Next(1, 65536)).Distinct()]);
        }

        var matrix = FeatureMatrix.FromRows(thesis);
        return ([.. sources], Scalers.FitTransform(matrix, ScalerKind.Robust));
    }

    /// <summary>Prints siblings vs thesis DBSCAN, one thread each, for each size.</summary>
    public static bool TryRun(string[] args)
    {
        if (args is not ["--siblings-scaling", ..])
        {
            return false;
        }

        int[] sizes = args.Length > 1 ? [.. args.Skip(1).Select(int.Parse)] : [10_000, 100_000, 1_000_000];
        Console.WriteLine("sources | thesis DBSCAN s | siblings s | siblings / DBSCAN | sibling pairs per source | clusters");
        foreach (var n in sizes)
        {
            var (sources, scaled) = Population(n, seed: 1);
            var clock = Stopwatch.StartNew();
            var thesis = Dbscan.Fit(scaled, new DbscanOptions { MaxDegreeOfParallelism = 1 });
            var thesisSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var neighbours = Clustering.Siblings.Neighbours(sources, new SiblingOptions { MaxDegreeOfParallelism = 1 });
            var labels = Dbscan.FromNeighbours(neighbours, new SiblingOptions().MinSamples, out _);
            var siblingSeconds = clock.Elapsed.TotalSeconds;
            var pairs = neighbours.Sum(x => (long)x.Length - 1) / (double)n;
            Console.WriteLine($"{n} | {thesisSeconds:F2} | {siblingSeconds:F2} | {siblingSeconds / thesisSeconds:F2} | {pairs:F2} | {labels.Max() + 1} (thesis {thesis.ClusterCount})");
        }

        return true;
    }
}
