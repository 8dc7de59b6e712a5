using ScanScope.Capture;
using ScanScope.Packets;
using ScanScope.Storage;
using ScanScope.Storage.ClickHouse;
using ScanScope.Storage.Packets;
using ScanScope.Storage.Results;

namespace ScanScope.IntegrationTests.Storage;

public sealed class ClickHouseClusterTests(ClickHouseClusterFixture cluster) : IClassFixture<ClickHouseClusterFixture>, IDisposable
{
    private const int BinSeconds = 300;
    private const long B = BinSeconds * 1_000_000_000L;

    // A bin boundary, so that packets placed exactly on and just before boundaries test the floor.
    private const long T0 = 1_700_000_100L * 1_000_000_000;

    private readonly string _folder = Directory.CreateTempSubdirectory("scanscope-ch-test-").FullName;

    [Fact]
    public void TwoShardCluster_FeaturesEqualAStraightforwardComputation()
    {
        SkipWithoutServer();
        var packets = MakePackets(seed: 1, sources: 400);
        var capture = WriteCapture("a.pcap", packets);
        var nodes = CreateTables("feat");

        var sent = ClickHouseStore.Ingest(nodes[0], capture, StoredPackets.Syn);
        var features = ClickHouseFeatures.Compute(nodes[0], new FeatureQuery { BinSeconds = BinSeconds });

        var read = ReadCapture(capture);
        var expected = ReferenceFeatures.Compute(read, BinSeconds);
        Assert.Equal(read.Count(p => p.IsSyn), sent);
        Assert.Equal(expected.WindowStartNs, features.WindowStartNs);
        Assert.Equal(expected.Sources.Count, features.Sources.Count);
        Assert.Equal(expected.Sources, features.Sources);
        Assert.Contains(features.Sources, s => s.ActiveBins == 1);
        Assert.Contains(features.Sources, s => s.ActiveBins > 2 && s.Period != BinSeconds);

        // Letting each shard finish its own sources gives the same table.
        var unmerged = ClickHouseFeatures.Compute(nodes[0], new FeatureQuery { BinSeconds = BinSeconds, ShardsOwnSources = true });
        Assert.Equal(expected.Sources, unmerged.Sources);

        // Both shards hold rows, and each source lives on exactly one shard.
        var perShard = nodes.Select(n => n.QueryLines("SELECT DISTINCT src FROM feat FORMAT TabSeparated").Select(uint.Parse).ToHashSet()).ToList();
        Assert.All(perShard, s => Assert.NotEmpty(s));
        Assert.Empty(perShard[0].Intersect(perShard[1]));
        Assert.Equal(features.Sources.Count, perShard.Sum(s => s.Count));
    }

    [Fact]
    public void SameCapture_ClickHouseFeaturesEqualTheInProcessAnalysis()
    {
        SkipWithoutServer();
        var capture = WriteCapture("parity.pcap", MakePackets(seed: 4, sources: 300));
        var nodes = CreateTables("parity");
        ClickHouseStore.Ingest(nodes[0], capture, StoredPackets.Syn);

        var local = ScanScope.Pipeline.Analysis.Run([capture], new ScanScope.Pipeline.AnalysisOptions { BinSeconds = BinSeconds, Threads = 2 }, TestContext.Current.CancellationToken);
        var remote = ClickHouseFeatures.Compute(nodes[1], new FeatureQuery { BinSeconds = BinSeconds, WindowStartNs = local.WindowStartNs, WindowEndNs = local.WindowEndNs });

        Assert.NotEmpty(local.Features);
        Assert.Equal(local.Features.Count, remote.Sources.Count);
        var bySource = remote.Sources.ToDictionary(r => r.Src);
        foreach (var f in local.Features)
        {
            var r = bySource[f.Src];
            Assert.Equal((f.Src, (long)f.Destinations, (long)f.Ports, f.Period, (double)f.Start, (double)f.Activity, f.Packets, f.FirstSeenNs, f.LastSeenNs),
                (r.Src, r.Destinations, r.Ports, r.Period, r.Start, r.Activity, r.Packets, r.FirstSeenNs, r.LastSeenNs));
        }
    }

    [Fact]
    public void GivenWindow_OnlyPacketsInsideCountAndBinsStartAtTheWindow()
    {
        SkipWithoutServer();
        var capture = WriteCapture("w.pcap", MakePackets(seed: 2, sources: 150));
        var nodes = CreateTables("win");
        ClickHouseStore.Ingest(nodes[0], capture, StoredPackets.Syn);
        var start = T0 + (7 * B) + 123_456_789;
        var end = T0 + (40 * B);

        var features = ClickHouseFeatures.Compute(nodes[1], new FeatureQuery { BinSeconds = BinSeconds, WindowStartNs = start, WindowEndNs = end });

        var expected = ReferenceFeatures.Compute(ReadCapture(capture), BinSeconds, start, end);
        Assert.NotEmpty(expected.Sources);
        Assert.Equal(expected.Sources, features.Sources);
    }

    [Fact]
    public void SameFileAgain_IsSkipped()
    {
        SkipWithoutServer();
        var capture = WriteCapture("s.pcap", MakePackets(seed: 3, sources: 50));
        var nodes = CreateTables("skip");
        var first = ClickHouseStore.Ingest(nodes[0], capture, StoredPackets.Syn);

        var second = ClickHouseStore.Ingest(nodes[0], capture, StoredPackets.Syn);

        Assert.Null(second);
        Assert.Equal(first, Count(nodes[0], "skip_all"));
    }

    [Fact]
    public void IngestVerb_StreamsIntoTheClusterAndSkipsItOnTheSecondRun()
    {
        SkipWithoutServer();
        var packets = MakePackets(seed: 4, sources: 80);
        var capture = WriteCapture("cli.pcap", packets);
        string[] args =
        [
            "ingest", capture, "--clickhouse", cluster.Urls[0].ToString(), "--clickhouse", cluster.Urls[1].ToString(),
            "--cluster", ClickHouseClusterFixture.ClusterName, "--table", "cli", "--user", ClickHouseClusterFixture.User,
        ];
        Environment.SetEnvironmentVariable(ClickHouseOptions.PasswordVariable, ClickHouseClusterFixture.Password);

        var first = ScanScope.Cli.Cli.Run(args);
        var second = ScanScope.Cli.Cli.Run(args);

        using var client = new ClickHouseClient(cluster.Options(0, "cli"));
        Assert.Equal(0, first);
        Assert.Equal(0, second);
        Assert.Equal(ReadCapture(capture).Count(p => p.IsSyn), Count(client, "cli_all"));
    }

    [Fact]
    public void AnalyzeVerb_OnTheCluster_GivesTheInProcessFeaturesAndClusters_AndWritesTheTablesBack()
    {
        SkipWithoutServer();
        // Given the small simulated week, in a capture and ingested whole (--all-tcp: the telescope
        // model counts every TCP packet) into the two-shard cluster.
        var capture = SmallWeek("scenario", seed: 1);
        var connection = Connection("an");
        Assert.Equal(0, ScanScope.Cli.Cli.Run(["ingest", capture, .. connection, "--clickhouse", cluster.Urls[1].ToString(), "--all-tcp"]));
        var local = Path.Combine(_folder, "local");
        var remote = Path.Combine(_folder, "remote");
        string[] common = ["--no-report", "--uptime-threshold", "0.5"];

        // When analyze runs in process on the capture and in ClickHouse on the stored packets.
        Assert.Equal(0, ScanScope.Cli.Cli.Run(["analyze", capture, "--out", local, .. common]));
        Assert.Equal(0, ScanScope.Cli.Cli.Run(["analyze", .. connection, "--out", remote, "--result-prefix", "an_", .. common]));

        // Then the features, clusters, daily observers and |O| are the same, row for row.
        foreach (var file in new[] { "features.csv", "clusters.csv", "telescope_daily.csv", "cluster_summary.csv" })
        {
            Assert.Equal(File.ReadAllLines(Path.Combine(local, file)), File.ReadAllLines(Path.Combine(remote, file)));
        }

        var clusters = File.ReadAllLines(Path.Combine(remote, "clusters.csv")).Skip(1).Select(l => int.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(clusters.Where(c => c >= 0).Distinct().Count() >= 2, "the capture should give several clusters");
        Assert.Equal(ActiveObservers(local), ActiveObservers(remote));
        Assert.True(ActiveObservers(remote) > 0);

        // And the result tables are in ClickHouse with one row per CSV row; a second run replaces them.
        using var client = new ClickHouseClient(cluster.Options(0, "an"));
        foreach (var table in new[] { "features", "clusters", "cluster_summary", "scans" })
        {
            Assert.Equal(File.ReadAllLines(Path.Combine(remote, table + ".csv")).Length - 1, Count(client, "an_" + table));
        }

        Assert.Equal(0, ScanScope.Cli.Cli.Run(["analyze", .. connection, "--out", remote, "--result-prefix", "an_", .. common]));
        Assert.Equal(clusters.Count, Count(client, "an_clusters"));
        Assert.Equal(clusters.Count(c => c >= 0), Count(client, "an_clusters WHERE cluster_id >= 0"));
    }

    [Fact]
    public void BuiltCli_IngestsAndAnalyzesOnTheCluster_AsTheInProcessAnalysisDoes()
    {
        SkipWithoutServer();
        // Given a small simulated week, analyzed in process
        var capture = SmallWeek("built-scenario", seed: 3);
        var local = Path.Combine(_folder, "built-local");
        string[] common = ["--no-report", "--uptime-threshold", "0.5"];
        Assert.Equal(0, ScanScope.Cli.Cli.Run(["analyze", capture, "--out", local, .. common]));

        // When the CLI ./scanscope builds (Native AOT where it can: its HTTP client and SQL without
        // reflection) ingests it into the two shards and analyzes it there
        var connection = Connection("built");
        ScanScope.IntegrationTests.Cli.ScanScopeScript.Run(["ingest", capture, .. connection, "--clickhouse", cluster.Urls[1].ToString(), "--all-tcp"]);
        var remote = Path.Combine(_folder, "built-remote");
        ScanScope.IntegrationTests.Cli.ScanScopeScript.Run(["analyze", .. connection, "--out", remote, "--result-prefix", "built_", .. common]);

        // Then the tables are those of the in-process analysis, and the results are in ClickHouse
        foreach (var file in new[] { "features.csv", "clusters.csv", "telescope_daily.csv", "cluster_summary.csv" })
        {
            Assert.Equal(File.ReadAllLines(Path.Combine(local, file)), File.ReadAllLines(Path.Combine(remote, file)));
        }

        using var client = new ClickHouseClient(cluster.Options(0, "built"));
        Assert.Equal(File.ReadAllLines(Path.Combine(remote, "clusters.csv")).Length - 1, Count(client, "built_clusters"));
    }

    // The small simulated week (a scenario folder under the test's own); its capture.
    private string SmallWeek(string name, ulong seed)
    {
        var scenario = Path.Combine(_folder, name);
        ScanScope.Simulation.ScenarioSimulator.Run(ScanScope.Simulation.ScenarioProfiles.Get("small", seed: seed), scenario);
        return Path.Combine(scenario, "capture.pcap");
    }

    // The CLI's options for the cluster's first server and a packet table; the password in the environment, as users pass it.
    private string[] Connection(string table)
    {
        Environment.SetEnvironmentVariable(ClickHouseOptions.PasswordVariable, ClickHouseClusterFixture.Password);
        return ["--clickhouse", cluster.Urls[0].ToString(), "--cluster", ClickHouseClusterFixture.ClusterName, "--table", table, "--user", ClickHouseClusterFixture.User];
    }

    [Theory]
    [InlineData("capture too")]
    [InlineData("bad prefix")]
    [InlineData("two servers")]
    public void AnalyzeVerb_ConflictingOrBadClickHouseOptions_AreRefusedBeforeAnyWork(string what)
    {
        SkipWithoutServer();
        var capture = WriteCapture("refuse.pcap", MakePackets(seed: 5, sources: 30));
        var nodes = CreateTables("refuse_" + what.Replace(' ', '_'));
        ClickHouseStore.Ingest(nodes[0], capture, StoredPackets.AllTcp);
        Environment.SetEnvironmentVariable(ClickHouseOptions.PasswordVariable, ClickHouseClusterFixture.Password);
        string[] connection = ["--clickhouse", cluster.Urls[0].ToString(), "--cluster", ClickHouseClusterFixture.ClusterName, "--table", nodes[0].Options.Table, "--user", ClickHouseClusterFixture.User];
        string[] bad = what switch
        {
            "capture too" => [capture],
            "bad prefix" => ["--result-prefix", "x-y"],
            _ => ["--clickhouse", cluster.Urls[1].ToString()],
        };
        var output = Path.Combine(_folder, "refused");

        var refused = ScanScope.Cli.Cli.Run(["analyze", .. connection, .. bad, "--out", output, "--no-report"]);
        var folderAfterRefusal = Directory.Exists(output);
        var accepted = ScanScope.Cli.Cli.Run(["analyze", .. connection, "--out", output, "--no-report"]);

        Assert.Equal(2, refused);
        Assert.False(folderAfterRefusal);
        Assert.Equal(0, accepted);
    }

    [Fact]
    public void WrongPassword_IsOneLineError()
    {
        SkipWithoutServer();
        using var client = new ClickHouseClient(cluster.Options(0, "pw") with { Password = "wrong" });

        var e = Assert.Throws<StorageException>(() => ClickHouseStore.CreateTables([client]));

        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("refused", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResultTable_IsWrittenBackAndReplacedOnTheNextRun()
    {
        SkipWithoutServer();
        using var client = new ClickHouseClient(cluster.Options(0, "res"));
        ColumnSpec[] columns = [new("src_ip", ColumnType.String), new("destinations", ColumnType.Long), new("period", ColumnType.Double), new("cluster_id", ColumnType.Int), new("heavy", ColumnType.Bool)];
        ClickHouseResults.WriteTable(client, "features", columns, [["1.2.3.4", 3L, 300.0, -1, true], ["tab\there", 4_000_000_000L, 0.1 + 0.2, 2, false]]);

        ClickHouseResults.WriteTable(client, "features", columns, [["5.6.7.8", 7L, null, 0, false], ["o'q \"x\" ü", 1L, 1.0 / 3, null, true]]);

        var rows = client.QueryLines("SELECT src_ip, destinations, period, cluster_id, heavy FROM features ORDER BY destinations FORMAT TabSeparated").ToList();
        // ClickHouse's TabSeparated escapes the quote and shows NULL as \N.
        Assert.Equal(["o\\'q \"x\" ü\t1\t0.3333333333333333\t\\N\t1", "5.6.7.8\t7\t\\N\t0\t0"], rows);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void SkipWithoutServer()
    {
        if (cluster.SkipReason is not null)
        {
            Assert.Skip(cluster.SkipReason);
        }
    }

    private List<ClickHouseClient> CreateTables(string table)
    {
        var nodes = cluster.Urls.Select((_, i) => new ClickHouseClient(cluster.Options(i, table))).ToList();
        ClickHouseStore.CreateTables(nodes);
        return nodes;
    }

    private static int ActiveObservers(string dir) =>
        System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "summary.json"))).RootElement.GetProperty("telescope").GetProperty("active_observers").GetInt32();

    private static long Count(ClickHouseClient client, string table) =>
        long.Parse(client.Execute($"SELECT count() FROM {table}").Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Seeded traffic over about 50 bins: slow sources spread over many bins, bursts inside one
    /// bin, packets exactly on and one nanosecond before bin boundaries, repeated destinations
    /// and ports, and SYN-ACK/RST packets that must not count.
    /// </summary>
    private static List<PacketRecord> MakePackets(int seed, int sources)
    {
        var random = new Random(seed);
        var packets = new List<PacketRecord>();
        for (var s = 0; s < sources; s++)
        {
            var src = 0x0A000000u + (uint)(s * 7919);
            var n = random.Next(1, 40);
            var burst = random.Next(4) == 0;
            var firstBin = random.Next(0, 45);
            for (var i = 0; i < n; i++)
            {
                var bin = burst ? firstBin : firstBin + random.Next(0, 12);
                var offset = random.Next(5) switch
                {
                    0 => 0L,
                    1 => B - 1,
                    _ => random.NextInt64(B),
                };
                var flags = random.Next(8) == 0 ? TcpFlags.Syn | TcpFlags.Ack : random.Next(10) == 0 ? TcpFlags.Rst : TcpFlags.Syn;
                packets.Add(new PacketRecord
                {
                    TimestampNs = T0 + (bin * B) + offset,
                    Src = src,
                    Dst = 0x2C000000u | (uint)random.Next(64),
                    SrcPort = (ushort)random.Next(1024, 65536),
                    DstPort = (ushort)(random.Next(3) == 0 ? 23 : random.Next(1, 30)),
                    IpId = 54321,
                    Ttl = 250,
                    Flags = flags,
                    Seq = (uint)random.NextInt64(1L << 32),
                    Window = 65535,
                });
            }
        }

        return [.. packets.OrderBy(p => p.TimestampNs)];
    }

    private string WriteCapture(string name, List<PacketRecord> packets)
    {
        var path = Path.Combine(_folder, name);
        using var writer = PcapWriter.Create(path, nanoseconds: true);
        foreach (var p in packets)
        {
            writer.Write(p);
        }

        return path;
    }

    private static List<PacketRecord> ReadCapture(string path)
    {
        using var reader = CaptureReader.Open(path);
        var packets = new List<PacketRecord>();
        while (reader.TryRead(out var p))
        {
            packets.Add(p);
        }

        return packets;
    }
}
