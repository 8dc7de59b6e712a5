using System.Globalization;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using ScanScope.Clustering;

namespace ScanScope.Benchmarks;

/// <summary>
/// DBSCAN and the k-distance curve on the robust-scaled tables written by bench/clustering/compare.py, which
/// times scikit-learn on the same files first. Setup checks that the labels and k-distances equal
/// scikit-learn's, so a fast wrong answer cannot pass. Run through compare.py (it sets SCANSCOPE_BENCH_DIR).
/// </summary>
public class ClusteringBench
{
    private const double Eps = 0.01;
    private const int MinSamples = 10;
    private FeatureMatrix _x = null!;

    public static IEnumerable<int> Sizes => Setting("SCANSCOPE_BENCH_SIZES", "10000,100000,1000000");

    public static IEnumerable<int> ThreadCounts => Setting("SCANSCOPE_BENCH_THREADS", "1,2");

    [ParamsSource(nameof(Sizes))]
    public int N { get; set; }

    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var dir = Environment.GetEnvironmentVariable("SCANSCOPE_BENCH_DIR")
            ?? throw new InvalidOperationException("run bench/clustering/compare.py: it writes the inputs and sets SCANSCOPE_BENCH_DIR");
        var data = MemoryMarshal.Cast<byte, double>(File.ReadAllBytes(Path.Combine(dir, $"scaled_{N}.f64"))).ToArray();
        _x = new FeatureMatrix(data, data.Length / 5, 5);
        var labels = MemoryMarshal.Cast<byte, int>(File.ReadAllBytes(Path.Combine(dir, $"labels_{N}.i32"))).ToArray();
        var kdist = MemoryMarshal.Cast<byte, double>(File.ReadAllBytes(Path.Combine(dir, $"kdist_{N}.f64"))).ToArray();
        if (!Dbscan().Labels.AsSpan().SequenceEqual(labels))
        {
            throw new InvalidOperationException($"n = {N}: DBSCAN labels differ from scikit-learn's");
        }

        if (!KDistance().Distances.AsSpan().SequenceEqual(kdist))
        {
            throw new InvalidOperationException($"n = {N}: k-distances differ from scikit-learn's");
        }
    }

    [Benchmark]
    public DbscanResult Dbscan() =>
        ScanScope.Clustering.Dbscan.Fit(_x, new DbscanOptions { Eps = Eps, MinSamples = MinSamples, MaxDegreeOfParallelism = Threads });

    [Benchmark]
    public KDistanceCurve KDistance() => KDistanceCurve.Compute(_x, MinSamples, maxDegreeOfParallelism: Threads);

    private static int[] Setting(string name, string fallback) =>
        (Environment.GetEnvironmentVariable(name) ?? fallback).Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
}
