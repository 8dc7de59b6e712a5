using System.Text.Json;
using DuckDB.NET.Data;

namespace ScanScope.IntegrationTests.Cli;

/// <summary>
/// The CLI that <c>./scanscope</c> builds — Native AOT where a C toolchain can link it (no JIT, no
/// reflection: the serializers are generated, DuckDB.NET and Parquet.Net trimmed), ReadyToRun
/// otherwise — against the same verbs run in this process (JIT-compiled): the simulator, analyze
/// with its report, DuckDB and Parquet tables, the Parquet packet store, clustering and evaluation
/// must give the same bytes.
/// </summary>
public sealed class BuiltCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scanscope-built-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void EveryVerb_AsBuiltByTheScript_EqualsTheInProcessCli()
    {
        var (built, inProcess) = (Path.Combine(_dir, "built"), Path.Combine(_dir, "in-process"));

        // simulate: the scenario written and read back through the generated serializer.
        Built("simulate", "--profile", "small", "--seed", "5", "--out", Path.Combine(built, "sim"));
        Assert.Equal(0, ScanScope.Cli.Cli.Run(["simulate", "--profile", "small", "--seed", "5", "--out", Path.Combine(inProcess, "sim")]));
        AssertSameFiles(Path.Combine(built, "sim"), Path.Combine(inProcess, "sim"), "capture.pcap", "labels.csv", "scenario.json");
        var capture = Path.Combine(inProcess, "sim", "capture.pcap");
        var labels = Path.Combine(inProcess, "sim", "labels.csv");
        Built("simulate", "--scenario", Path.Combine(inProcess, "sim", "scenario.json"), "--out", Path.Combine(built, "again"));
        AssertSameFiles(Path.Combine(built, "again"), Path.Combine(inProcess, "sim"), "capture.pcap", "scenario.json");

        // analyze with the report: every table, the summary but its timings, the report's figure data.
        Built("analyze", capture, "--out", Path.Combine(built, "an"));
        Assert.Equal(0, ScanScope.Cli.Cli.Run(["analyze", capture, "--out", Path.Combine(inProcess, "an")]));
        var tables = Directory.GetFiles(Path.Combine(inProcess, "an"), "*.csv").Select(Path.GetFileName).ToArray();
        Assert.Contains("scans.csv", tables);
        AssertSameFiles(Path.Combine(built, "an"), Path.Combine(inProcess, "an"), tables!);
        Assert.Equal(WithoutTimings(Path.Combine(inProcess, "an", "summary.json")), WithoutTimings(Path.Combine(built, "an", "summary.json")));
        Assert.Equal(FigureData(Path.Combine(inProcess, "an", "report.html")), FigureData(Path.Combine(built, "an", "report.html")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(built, "an", "figures"), "*.png"));
        foreach (var table in tables)
        {
            var name = Path.GetFileNameWithoutExtension(table)!;
            var rows = File.ReadLines(Path.Combine(inProcess, "an", table!)).Count() - 1;
            Assert.Equal(rows, Count(Path.Combine(built, "an", "scanscope.duckdb"), $"select count(*) from {name}"));
            Assert.Equal(rows, Count(null, $"select count(*) from read_parquet('{Path.Combine(built, "an", "parquet", name + ".parquet")}')"));
        }

        // The packet store (Parquet.Net), read back by analyze.
        Built("ingest", capture, "--store", Path.Combine(built, "store"));
        Built("analyze", "--store", Path.Combine(built, "store"), "--out", Path.Combine(built, "from-store"), "--no-report");
        Assert.Equal(0, ScanScope.Cli.Cli.Run(["ingest", capture, "--store", Path.Combine(inProcess, "store")]));
        Assert.Equal(0, ScanScope.Cli.Cli.Run(["analyze", "--store", Path.Combine(inProcess, "store"), "--out", Path.Combine(inProcess, "from-store"), "--no-report"]));
        AssertSameFiles(Path.Combine(built, "from-store"), Path.Combine(inProcess, "from-store"), "features.csv", "clusters.csv", "scans.csv");
        var packets = $"select count(*) from read_parquet('{Path.Combine(inProcess, "store")}/**/*.parquet')";
        Assert.Equal(Count(null, packets), Count(null, packets.Replace(inProcess, built, StringComparison.Ordinal)));

        // cluster (its clustering.json) and evaluate --json.
        var features = Path.Combine(inProcess, "an", "features.csv");
        Built("cluster", "--features", features, "--out", Path.Combine(built, "cl"));
        Assert.Equal(0, ScanScope.Cli.Cli.Run(["cluster", "--features", features, "--out", Path.Combine(inProcess, "cl")]));
        AssertSameFiles(Path.Combine(built, "cl"), Path.Combine(inProcess, "cl"), "clusters.csv", "clustering.json", "k_distance.csv");
        var evaluation = JsonDocument.Parse(Built("evaluate", "--truth", labels, "--clusters", Path.Combine(inProcess, "an", "clusters.csv"), "--json")).RootElement;
        var expected = ScanScope.Evaluation.GroundTruthEvaluation.Evaluate(
            ScanScope.Evaluation.EvaluationFiles.ReadTruth(labels), ScanScope.Evaluation.EvaluationFiles.ReadClusters(Path.Combine(inProcess, "an", "clusters.csv")));
        Assert.Equal(expected.Sources, evaluation.GetProperty("sources").GetInt32());
        Assert.Equal(expected.GroupsRecovered, evaluation.GetProperty("groups_recovered").GetInt32());
        Assert.Equal(expected.AdjustedRandIndex, evaluation.GetProperty("ari").GetDouble());
        Assert.Equal(expected.GroupOutcomes.Count, evaluation.GetProperty("group_outcomes").GetArrayLength());
    }

    private static string Built(params string[] args) => ScanScopeScript.Run(args);

    private static void AssertSameFiles(string actual, string expected, params string?[] names)
    {
        foreach (var name in names)
        {
            var (a, e) = (File.ReadAllBytes(Path.Combine(actual, name!)), File.ReadAllBytes(Path.Combine(expected, name!)));
            Assert.True(a.AsSpan().SequenceEqual(e), $"{name}: the built CLI's differs from the in-process one ({a.Length} against {e.Length} bytes)");
        }
    }

    // summary.json without the seconds each stage took.
    private static string WithoutTimings(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var kept = document.RootElement.EnumerateObject().Where(p => !p.Name.Contains("seconds", StringComparison.Ordinal)).Select(p => p.ToString());
        return string.Join('\n', kept);
    }

    // The JSON the report's script draws the figures from.
    private static string FigureData(string path)
    {
        var html = File.ReadAllText(path);
        const string open = "<script type=\"application/json\" id=\"scanscope-data\">";
        var from = html.IndexOf(open, StringComparison.Ordinal);
        Assert.True(from >= 0, $"{path}: no figure data");
        from += open.Length;
        return html[from..html.IndexOf("</script>", from, StringComparison.Ordinal)];
    }

    private static long Count(string? database, string sql)
    {
        using var connection = new DuckDBConnection(database is null ? "Data Source=:memory:" : $"Data Source={database};ACCESS_MODE=READ_ONLY");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
