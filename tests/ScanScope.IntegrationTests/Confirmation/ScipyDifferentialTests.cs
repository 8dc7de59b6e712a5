using System.Diagnostics;
using System.Globalization;
using ScanScope.Confirmation;

namespace ScanScope.IntegrationTests.Confirmation;

/// <summary>Pairwise Jaccard and the hypergeometric variance against SciPy (Debian python3-scipy).</summary>
public sealed class ScipyDifferentialTests
{
    private const string Python = "/usr/bin/python3";

    [Theory]
    [InlineData(1, 12, 300)]
    [InlineData(2, 40, 2000)]
    [InlineData(3, 3, 50)]
    public void MeanPairwiseJaccard_EqualsOneMinusScipyPdistJaccard(int seed, int sets, int universe)
    {
        var rng = new Random(seed);
        var data = Enumerable.Range(0, sets)
            .Select(_ => (IReadOnlyCollection<uint>)Enumerable.Range(0, rng.Next(1, universe / 4)).Select(_ => (uint)rng.Next(universe)).ToHashSet())
            .ToList();
        var rows = string.Join(';', data.Select(s => string.Join(' ', s)));
        var script = $$"""
            import numpy as np
            from scipy.spatial.distance import pdist
            rows = "{{rows}}".split(';')
            m = np.zeros(({{sets}}, {{universe}}), dtype=bool)
            for i, r in enumerate(rows):
                for d in r.split():
                    m[i, int(d)] = True
            print(repr(float(np.mean(1 - pdist(m, 'jaccard')))))
            """;

        var scipy = double.Parse(RunPython(script), CultureInfo.InvariantCulture);

        Assert.Equal(scipy, PairwiseJaccard.Mean(data), 12);
    }

    [Theory]
    [InlineData(65_536, 4, 3_702_258_432)]
    [InlineData(1024, 4, 4096)]
    [InlineData(62_883, 50, 3_702_258_432)]
    public void HostDestinationVariance_EqualsScipyHypergeomVar(double observers, double hosts, double targets)
    {
        var script = FormattableString.Invariant($"""
            from scipy.stats import hypergeom
            print(repr(float(hypergeom({targets:F0}, {observers:F0}, {targets / hosts:F0}).var())))
            """);

        var scipy = double.Parse(RunPython(script), CultureInfo.InvariantCulture);

        // SciPy draws a whole number of targets per shard (|N|/|H| rounded); the formula does not round.
        var ours = ScanFormulas.HostDestinationVariance(observers, hosts, targets);
        Assert.InRange(ours, scipy * (1 - 1e-6), scipy * (1 + 1e-6));
    }

    private static string RunPython(string script)
    {
        if (!File.Exists(Python))
        {
            Assert.Skip($"{Python} not found; ./run-tests installs python3-scipy");
        }

        var start = new ProcessStartInfo(Python) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-");
        using var p = Process.Start(start)!;
        p.StandardInput.Write(script);
        p.StandardInput.Close();
        var error = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0 && error.Result.Contains("No module named", StringComparison.Ordinal))
        {
            Assert.Skip("SciPy is missing; ./run-tests installs python3-scipy");
        }

        Assert.True(p.ExitCode == 0, error.Result);
        return output.Trim();
    }
}
