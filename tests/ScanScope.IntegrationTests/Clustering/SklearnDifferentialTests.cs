using System.Diagnostics;
using System.Globalization;
using ScanScope.Clustering;
using ScanScope.Tests.Clustering;

namespace ScanScope.IntegrationTests.Clustering;

/// <summary>
/// ScanScope against the scikit-learn installed on this machine (Debian python3-sklearn at /usr/bin/python3):
/// the golden files are regenerated and compared, and DBSCAN is run by both at the eps ScanScope chose itself.
/// </summary>
public sealed class SklearnDifferentialTests : IDisposable
{
    private const string Python = "/usr/bin/python3";
    private readonly string _dir = Directory.CreateTempSubdirectory("scanscope-sklearn-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static void SkipWithoutSklearn()
    {
        if (!File.Exists(Python) || Run("-c", "import sklearn, scipy, numpy").Exit != 0)
        {
            Assert.Skip("needs scikit-learn at /usr/bin/python3: apt-get install python3-sklearn python3-scipy (./run-tests does it)");
        }
    }

    private static (int Exit, string Output) Run(params string[] args)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error);
    }

    [Fact]
    public void RegeneratedGoldenFiles_MatchScanScope()
    {
        SkipWithoutSklearn();
        var script = Path.Combine(SklearnGolden.StoredDirectory, "make_golden.py");
        var (exit, output) = Run(script, _dir, "--no-tsne");
        Assert.True(exit == 0, output);
        foreach (var table in SklearnGolden.FeatureTables)
        {
            SklearnGolden.AssertMatches(_dir, table);
        }
    }

    [Theory]
    [InlineData("telescope_like", 1.0)]
    [InlineData("blobs_noise", 0.95)]
    [InlineData("large_integer", 1.0)]
    public void DbscanAtTheAutomaticEps_EqualsScikitLearnAtThatEps(string table, double kneeFactor)
    {
        SkipWithoutSklearn();
        var x = Scalers.FitTransform(SklearnGolden.ReadInput(SklearnGolden.StoredDirectory, table), ScalerKind.Robust);
        var ours = Dbscan.Fit(x, new DbscanOptions { KneeFactor = kneeFactor });
        Assert.True(ours.Curve!.KneeIndex >= 0);

        var input = Path.Combine(_dir, "scaled.csv");
        File.WriteAllLines(input, Enumerable.Range(0, x.Rows).Select(i => string.Join(',', x.Row(i).ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)))));
        var eps = ours.Eps.ToString("R", CultureInfo.InvariantCulture);
        var code = $"import numpy as np; from sklearn.cluster import DBSCAN; x = np.loadtxt('{input}', delimiter=','); "
            + $"print(' '.join(map(str, DBSCAN(eps={eps}, min_samples={ours.MinSamples}).fit(x).labels_)))";
        var (exit, output) = Run("-c", code);
        Assert.True(exit == 0, output);
        var theirs = output.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(theirs, ours.Labels);
    }
}
