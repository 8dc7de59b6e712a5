using System.Diagnostics;
using System.Globalization;
using ScanScope.Clustering;

namespace ScanScope.Benchmarks;

/// <summary>
/// <c>tsne-time N ROUNDS</c>: the report's t-SNE (Barnes-Hut, 1,000 steps, the report's options) on N
/// synthetic sources — 15 tight groups and a uniform noise third in five scaled features, like the
/// report's clustered sources and noise sample — timed per round, wall and CPU seconds, with a
/// checksum of the embedding so two builds can be shown to agree.
/// </summary>
public static class TsneBench
{
    public static bool TryRun(string[] args)
    {
        if (args is not ["tsne-time", var size, var rounds])
        {
            return false;
        }

        var n = int.Parse(size, CultureInfo.InvariantCulture);
        var random = new Random(5);
        var data = new double[n * 5];
        var centres = Enumerable.Range(0, 15 * 5).Select(_ => random.NextDouble() * 4).ToArray();
        for (var i = 0; i < n; i++)
        {
            var group = i % 3 == 0 ? -1 : random.Next(15);
            for (var j = 0; j < 5; j++)
            {
                data[(i * 5) + j] = group < 0 ? random.NextDouble() * 4 : centres[(group * 5) + j] + (random.NextDouble() * 0.05);
            }
        }

        var x = new FeatureMatrix(data, n, 5);
        for (var r = 0; r < int.Parse(rounds, CultureInfo.InvariantCulture); r++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var y = Tsne.Embed(x, new TsneOptions { Seed = 1, Perplexity = Math.Min(30, (n - 1) / 3.0) });
            var wall = clock.Elapsed.TotalSeconds;
            cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"tsne n={n} wall_s={wall:F2} cpu_s={cpu.TotalSeconds:F2} checksum={y.Data.Sum():R}"));
        }

        return true;
    }
}
