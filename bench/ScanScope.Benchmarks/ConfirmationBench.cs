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
