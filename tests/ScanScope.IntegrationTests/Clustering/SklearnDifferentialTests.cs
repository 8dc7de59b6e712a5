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

    [Fact]
    public void SiblingReference_RegeneratedWithScikitLearn_EqualsTheGoldenFileAndScanScope()
    {
        SkipWithoutSklearn();
        var features = Path.Combine(_dir, "features.csv");
        using (var gz = new System.IO.Compression.GZipStream(File.OpenRead(Path.Combine(SklearnGolden.StoredDirectory, "siblings_small.features.csv.gz")), System.IO.Compression.CompressionMode.Decompress))
        using (var file = File.Create(features))
        {
            gz.CopyTo(file);
        }

        var labels = Path.Combine(_dir, "reference.csv");
        var (exit, output) = Run(Path.Combine(SklearnGolden.StoredDirectory, "siblings_reference.py"), features, labels);
        Assert.True(exit == 0, output);
        var regenerated = ScanScope.Evaluation.EvaluationFiles.ReadClusters(labels);
        var stored = SklearnGolden.ReadCsvGz(Path.Combine(SklearnGolden.StoredDirectory, "siblings_small.expected.csv.gz"));
        Assert.Equal(stored["cluster_id"].Select(v => int.Parse(v, CultureInfo.InvariantCulture)), stored["src_ip"].Select(s => regenerated[s]));
        Assert.Equal(stored["cluster_id"].Select(v => int.Parse(v, CultureInfo.InvariantCulture)), SklearnGolden.ClusterWithSiblings(features));
    }

    /// <summary>
    /// A month not in any golden file (small profile, seed 2): analyze in the best mode, and the same features
    /// clustered by the scikit-learn reference give the same labels, which recover every simulated group.
    /// </summary>
    [Fact]
    public void FreshSimulation_SiblingsMode_EqualsScikitLearnReference_AndRecoversTheGroups()
    {
        SkipWithoutSklearn();
        var scenario = Path.Combine(_dir, "scenario");
        ScanScope.Simulation.ScenarioSimulator.Run(ScanScope.Simulation.ScenarioProfiles.Get("small", seed: 2), scenario);
        var results = Path.Combine(_dir, "results");
        Assert.Equal(0, ScanScope.Cli.Cli.Run(["analyze", Path.Combine(scenario, "capture.pcap"), "--out", results, "--no-report"]));

        var reference = Path.Combine(_dir, "reference.csv");
        var (exit, output) = Run(Path.Combine(SklearnGolden.StoredDirectory, "siblings_reference.py"), Path.Combine(results, "features.csv"), reference);
        Assert.True(exit == 0, output);
        var ours = ScanScope.Evaluation.EvaluationFiles.ReadClusters(Path.Combine(results, "clusters.csv"));
        var theirs = ScanScope.Evaluation.EvaluationFiles.ReadClusters(reference);
        Assert.Equal(theirs.OrderBy(kv => kv.Key, StringComparer.Ordinal), ours.OrderBy(kv => kv.Key, StringComparer.Ordinal));

        var evaluation = ScanScope.Evaluation.GroundTruthEvaluation.Evaluate(ScanScope.Evaluation.EvaluationFiles.ReadTruth(Path.Combine(scenario, "labels.csv")), ours);
        Assert.Equal(evaluation.Groups, evaluation.GroupsRecovered);
        Assert.True(evaluation.AdjustedRandIndex >= 0.95, $"ARI {evaluation.AdjustedRandIndex}");
    }
}
