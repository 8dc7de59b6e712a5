using System.Text.Json;
using DuckDB.NET.Data;
using ScanScope.Simulation;

namespace ScanScope.Tests.Cli;

/// <summary>The whole <c>analyze</c> path on the small simulated month: every contract file, the same rows in DuckDB.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class AnalyzePipelineTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("scanscope-pipeline-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void SmallScenario_WritesEveryContractFile_AndTheSameTablesInDuckDb()
    {
        var scenario = Path.Combine(_dir.FullName, "scenario");
        ScenarioSimulator.Run(ScenarioProfiles.Get("small", seed: 1), scenario);
        var results = Path.Combine(_dir.FullName, "results");

        var code = ScanScope.Cli.Cli.Run(["analyze", Path.Combine(scenario, "capture.pcap"), "--out", results]);

        Assert.Equal(0, code);
        foreach (var file in new[] { "features.csv", "clusters.csv", "cluster_summary.csv", "scans.csv", "summary.json", "report.html", "scanscope.duckdb" })
        {
            Assert.True(File.Exists(Path.Combine(results, file)), file + " missing");
        }

        var clusters = File.ReadAllLines(Path.Combine(results, "clusters.csv"));
        Assert.StartsWith("src_ip,cluster_id", clusters[0], StringComparison.Ordinal);
        var features = File.ReadAllLines(Path.Combine(results, "features.csv"));
        Assert.Equal(features.Length, clusters.Length);
        var ids = clusters.Skip(1).Select(l => int.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var clusterCount = ids.Where(i => i >= 0).Distinct().Count();
        Assert.True(clusterCount > 0);
        Assert.All(ids, i => Assert.True(i >= -2));

        var summaryRows = File.ReadAllLines(Path.Combine(results, "cluster_summary.csv"));
        Assert.StartsWith("cluster_id,sources,slash8,slash16,slash24,countries,organizations,jaccard,expected_hosts,category,ports", summaryRows[0], StringComparison.Ordinal);
        Assert.Equal(clusterCount, summaryRows.Length - 1);
        Assert.StartsWith("cluster_id,port,scan,unique_dst,start,duration_s,dst_per_host,jaccard,expected_hosts", File.ReadLines(Path.Combine(results, "scans.csv")).First(), StringComparison.Ordinal);

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(results, "summary.json")));
        Assert.Equal(clusterCount, summary.RootElement.GetProperty("clustering").GetProperty("clusters").GetInt32());
        Assert.True(summary.RootElement.GetProperty("clustering").GetProperty("eps").GetDouble() > 0);

        using var db = new DuckDBConnection($"Data Source={Path.Combine(results, "scanscope.duckdb")};ACCESS_MODE=READ_ONLY");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "select count(*) from cluster_summary";
        Assert.Equal((long)clusterCount, Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
        cmd.CommandText = "select count(*) from clusters where cluster_id >= 0";
        Assert.Equal((long)ids.Count(i => i >= 0), Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));

        // Confirmation against the truth: every group recovered whole (one cluster holding all its hosts
        // and nothing else) that the confirmation calls a complete scan has E[H] within 10% of its hosts.
        var (_, truthRows) = ScanScope.Cli.CsvFile.Read(Path.Combine(scenario, "labels.csv"));
        var clusterOf = clusters.Skip(1).Select(l => l.Split(',')).ToDictionary(f => f[0], f => int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture));
        var (summaryHeader, summaries) = ScanScope.Cli.CsvFile.Read(Path.Combine(results, "cluster_summary.csv"));
        int Col(string name) => Array.IndexOf(summaryHeader, name);
        var checkedGroups = 0;
        foreach (var group in truthRows.Where(r => int.Parse(r[1], System.Globalization.CultureInfo.InvariantCulture) >= 0 && r[2] != "heavy-hitter").GroupBy(r => r[1]))
        {
            var hosts = group.Select(r => r[0]).ToArray();
            var cluster = clusterOf.GetValueOrDefault(hosts[0], -1);
            var row = summaries.FirstOrDefault(r => r[0] == cluster.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (cluster < 0 || row is null || hosts.Any(h => clusterOf.GetValueOrDefault(h, -1) != cluster) || clusterOf.Values.Count(c => c == cluster) != hosts.Length || row[Col("verdict")] != "complete")
            {
                continue;
            }

            var expected = double.Parse(row[Col("expected_hosts")], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(Math.Abs(expected - hosts.Length) <= 0.1 * hosts.Length, $"group {group.Key}: E[H] = {expected} for {hosts.Length} hosts");
            Assert.True(double.Parse(row[Col("jaccard")], System.Globalization.CultureInfo.InvariantCulture) < 0.01, $"group {group.Key}: one scan's hosts overlap");
            checkedGroups++;
        }

        Assert.True(checkedGroups >= 4, $"only {checkedGroups} groups were recovered whole as complete scans");

        var html = File.ReadAllText(Path.Combine(results, "report.html"));
        Assert.Contains("data-figure=\"coverage\"", html, StringComparison.Ordinal);
        Assert.Contains("data-figure=\"activity-0\"", html, StringComparison.Ordinal);

        // Every CSV is a DuckDB table of the same rows, cell for cell (an empty field is NULL in a
        // number column and the empty string in a text column)
        var csvs = Directory.GetFiles(results, "*.csv");
        Assert.True(csvs.Length >= 7, $"{csvs.Length} tables");
        foreach (var csv in csvs)
        {
            var (header, rows) = ScanScope.Cli.CsvFile.Read(csv);
            cmd.CommandText = $"select * from \"{Path.GetFileNameWithoutExtension(csv)}\"";
            using var reader = cmd.ExecuteReader();
            Assert.Equal(header, Enumerable.Range(0, reader.FieldCount).Select(reader.GetName));
            var at = 0;
            while (reader.Read())
            {
                Assert.True(at < rows.Count, $"{csv}: more rows in DuckDB");
                for (var c = 0; c < header.Length; c++)
                {
                    var text = c < rows[at].Length ? rows[at][c] : "";
                    var value = reader.GetValue(c);
                    var same = value switch
                    {
                        DBNull => text.Length == 0,
                        string v => v == text,
                        long v => v.ToString(System.Globalization.CultureInfo.InvariantCulture) == text,
                        double v => v.Equals(double.Parse(text, System.Globalization.CultureInfo.InvariantCulture)),
                        _ => false,
                    };
                    Assert.True(same, $"{Path.GetFileName(csv)} row {at + 1} {header[c]}: '{text}' in the CSV, {value} ({value.GetType().Name}) in DuckDB");
                }

                at++;
            }

            Assert.Equal(rows.Count, at);
        }
    }

    [Fact]
    public void PacketStore_GivesTheSameFeaturesAndClustersAsTheCapture()
    {
        var capture = SimulateSmall(seed: 2);
        var store = Path.Combine(_dir.FullName, "store");
        // The telescope model counts every TCP packet (backscatter too), so the store keeps all TCP.
        Assert.Equal(0, ScanScope.Cli.Cli.Run(["ingest", capture, "--store", store, "--all-tcp"]));

        Assert.Equal(0, ScanScope.Cli.Cli.Run(["analyze", capture, "--out", Path.Combine(_dir.FullName, "a"), "--no-report"]));
        Assert.Equal(0, ScanScope.Cli.Cli.Run(["analyze", "--store", store, "--out", Path.Combine(_dir.FullName, "b"), "--no-report"]));

        AssertSameFiles(Path.Combine(_dir.FullName, "a"), Path.Combine(_dir.FullName, "b"), "features.csv", "clusters.csv", "cluster_summary.csv", "scans.csv");
    }

    [Fact]
    public void ProbeMemoryTooSmall_SecondPassInRounds_SameResultsAndReport()
    {
        // Given a month whose clustered sources' probes need more than the memory allowed
        var capture = SimulateSmall(seed: 3);
        var whole = Path.Combine(_dir.FullName, "whole");
        var rounds = Path.Combine(_dir.FullName, "rounds");

        // When it is analyzed with room for everything, and with room for a few thousand probes
        Assert.Equal(0, ScanScope.Cli.Cli.Run(["analyze", capture, "--out", whole]));
        Assert.Equal(0, ScanScope.Cli.Cli.Run(["analyze", capture, "--out", rounds, "--probe-memory", "256K"]));

        // Then the probes came from the fold's log when it fitted, and from the capture in several
        // rounds when it did not (read once, spilled to a folder that is gone afterwards), and every
        // result and the report are the same
        JsonElement Summary(string dir) => JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "summary.json"))).RootElement;
        int Rounds(string dir) => Summary(dir).GetProperty("second_pass_rounds").GetInt32();
        Assert.Equal(1, Rounds(whole));
        Assert.Equal("memory", Summary(whole).GetProperty("second_pass_probes_from").GetString());
        Assert.True(Rounds(rounds) > 2, $"{Rounds(rounds)} rounds");
        Assert.Equal("inputs", Summary(rounds).GetProperty("second_pass_probes_from").GetString());
        Assert.Empty(Directory.GetDirectories(rounds, ".scanscope-spill-*", SearchOption.AllDirectories));
        AssertSameFiles(whole, rounds, "clusters.csv", "cluster_summary.csv", "scans.csv", "early_hosts.csv", "merge_suggestions.csv", "report.html");
    }

    [Theory]
    [InlineData("4096", 4096L)]
    [InlineData("256K", 256L << 10)]
    [InlineData("512M", 512L << 20)]
    [InlineData("8g", 8L << 30)]
    [InlineData("2TiB", 2L << 40)]
    public void ProbeMemorySizes_Parse(string text, long bytes) => Assert.Equal(bytes, ScanScope.Cli.AnalyzeCommand.ParseSize("--probe-memory", text));

    [Theory]
    [InlineData("0")]
    [InlineData("12X")]
    [InlineData("-5M")]
    [InlineData("1.5G")]
    [InlineData("99999999999999T")]
    public void ProbeMemoryNonsense_IsAUsageError(string text)
    {
        var results = Path.Combine(_dir.FullName, "never");
        Assert.Equal(2, ScanScope.Cli.Cli.Run(["analyze", "whatever.pcap", "--out", results, "--probe-memory", text]));
        Assert.False(Directory.Exists(results));
    }

    [Fact]
    public void OutputFolderDuckDbCannotUse_IsRefusedBeforeTheCapturesAreRead()
    {
        // A '?' in the path ends DuckDB's file name in its connection string: the run used to fail at
        // the tables, after all the work, with DuckDB's exception. Now it is a usage error at once.
        var capture = SimulateSmall(seed: 1);
        var results = Path.Combine(_dir.FullName, "what?");
        Assert.Equal(2, ScanScope.Cli.Cli.Run(["analyze", capture, "--out", results, "--no-report"]));
        Assert.False(Directory.Exists(results));
    }

    // A small simulated month in this test's folder; returns its capture.
    private string SimulateSmall(ulong seed)
    {
        var scenario = Path.Combine(_dir.FullName, "scenario");
        ScenarioSimulator.Run(ScenarioProfiles.Get("small", seed), scenario);
        return Path.Combine(scenario, "capture.pcap");
    }

    private static void AssertSameFiles(string a, string b, params string[] files)
    {
        foreach (var file in files)
        {
            Assert.Equal(File.ReadAllLines(Path.Combine(a, file)), File.ReadAllLines(Path.Combine(b, file)));
        }
    }
}
