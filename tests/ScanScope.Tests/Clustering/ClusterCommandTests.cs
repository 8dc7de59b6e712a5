using System.CommandLine;
using System.Globalization;
using ScanScope.Cli;
using ScanScope.Clustering;

namespace ScanScope.Tests.Clustering;

[Collection(ConsoleCollection.Name)]
public sealed class ClusterCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scanscope-cluster-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Runs the CLI with exceptions passed through (as Cli.Run turns them into one error line and exit code 2).</summary>
    internal static (int Exit, string Output) Run(params string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var exit = ScanScope.Cli.Cli.Build().Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = output, Error = output });
        return (exit, output.ToString());
    }

    private string WriteFeatures(bool heavyColumn)
    {
        var x = SklearnGolden.ReadInput(SklearnGolden.StoredDirectory, "telescope_like");
        var path = Path.Combine(_dir, "features.csv");
        using var w = new StreamWriter(path);
        w.WriteLine("src_ip,destinations,period,start,activity,ports,extra" + (heavyColumn ? ",heavy_hitter" : string.Empty));
        for (var i = 0; i < x.Rows; i++)
        {
            var row = string.Join(',', x.Row(i).ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
            w.WriteLine($"10.1.{i / 256}.{i % 256},{row},x" + (heavyColumn ? (i < 5 ? ",1" : ",0") : string.Empty));
        }

        return path;
    }

    [Fact]
    public void Dbscan_WritesClustersEqualToTheLibrary_AndTheKDistanceCurve()
    {
        var features = WriteFeatures(heavyColumn: true);
        var (exit, output) = Run("cluster", "--features", features, "--out", _dir);
        Assert.Equal(0, exit);
        Assert.Contains("5 heavy hitters set aside", output);

        var table = FeatureTable.Read(features);
        var expected = SourceClustering.Run(table.Features, table.HeavyHitter, new ClusteringOptions());
        var lines = File.ReadAllLines(Path.Combine(_dir, "clusters.csv"));
        Assert.Equal("src_ip,cluster_id,core", lines[0]);
        Assert.Equal(expected.Labels, lines.Skip(1).Select(l => int.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)));
        Assert.All(lines.Skip(1).Take(5), l => Assert.Equal("-2", l.Split(',')[1]));
        Assert.Equal(table.Sources, lines.Skip(1).Select(l => l.Split(',')[0]));

        var curve = File.ReadAllLines(Path.Combine(_dir, "k_distance.csv"));
        Assert.Equal(table.Sources.Length - 5 + 1, curve.Length);
        Assert.Contains("\"eps_reason\"", File.ReadAllText(Path.Combine(_dir, "clustering.json")));
        Assert.False(File.Exists(Path.Combine(_dir, "clusters.csv.tmp")));
    }

    [Fact]
    public void Hdbscan_WithGivenOptions_WritesProbabilities()
    {
        var features = WriteFeatures(heavyColumn: false);
        var (exit, _) = Run("cluster", "--features", features, "--out", _dir, "--algorithm", "hdbscan", "--min-cluster-size", "12", "--weights", "1,1,2,1,1");
        Assert.Equal(0, exit);
        var table = FeatureTable.Read(features);
        var expected = SourceClustering.Run(table.Features, null, new ClusteringOptions
        {
            Algorithm = ClusteringAlgorithm.Hdbscan,
            Weights = [1, 1, 2, 1, 1],
            Hdbscan = new HdbscanOptions { MinClusterSize = 12 },
        });
        var lines = File.ReadAllLines(Path.Combine(_dir, "clusters.csv"));
        Assert.Equal("src_ip,cluster_id,probability,outlier_score", lines[0]);
        Assert.Equal(expected.Labels, lines.Skip(1).Select(l => int.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("--eps", "wide")]
    [InlineData("--weights", "1,2")]
    [InlineData("--columns", "destinations,nonexistent")]
    public void BadOption_IsAUsageError(string option, string value)
    {
        var features = WriteFeatures(heavyColumn: false);
        var e = Assert.Throws<UsageException>(() => Run("cluster", "--features", features, "--out", _dir, option, value));
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void MissingFeatures_IsAUsageErrorNamingTheFile()
    {
        var e = Assert.Throws<UsageException>(() => Run("cluster", "--features", Path.Combine(_dir, "none.csv"), "--out", _dir));
        Assert.Contains("none.csv", e.Message);
    }
}
