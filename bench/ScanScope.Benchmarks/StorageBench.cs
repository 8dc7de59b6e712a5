using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using ScanScope.Capture;
using ScanScope.Packets;
using ScanScope.Storage.ClickHouse;
using ScanScope.Storage.Packets;
using ScanScope.Storage.Results;

namespace ScanScope.Benchmarks;

/// <summary>
/// Storage costs side by side on one synthetic telescope day: ClickHouse ingest into a local
/// two-shard cluster and the feature query there, against a plain in-process feature pass over
/// the same packets; packet-store ingest against just reading the capture; result-table writes.
/// Run: <c>dotnet run -c Release --project bench/ScanScope.Benchmarks -- --filter '*StorageBench*'</c>.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
[MemoryDiagnoser]
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "BenchmarkDotNet releases them in [GlobalCleanup]")]
public class StorageBench
{
    private const int BinSeconds = 300;
    private const long BinNs = BinSeconds * 1_000_000_000L;
    private const long T0 = 1_700_000_100L * 1_000_000_000;

    private PacketRecord[] _packets = [];
    private string _folder = string.Empty;
    private string _capture = string.Empty;
    private ClickHouseLocalCluster? _cluster;
    private List<ClickHouseClient> _ingestNodes = [];
    private ClickHouseClient? _queryNode;

    /// <summary>Packets in the synthetic day (all SYN).</summary>
    [Params(2_000_000)]
    public int Packets { get; set; }

    /// <summary>Distinct sources; telescope traffic is many sources with few packets each.</summary>
    [Params(20_000, 200_000)]
    public int Sources { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _packets = new PacketRecord[Packets];
        for (var i = 0; i < _packets.Length; i++)
        {
            _packets[i] = new PacketRecord
            {
                TimestampNs = T0 + random.NextInt64(288 * BinNs),
                Src = 0x01000000u + (uint)random.Next(Sources) * 2654435761u % 0xDF000000u,
                Dst = 0x2C000000u | (uint)random.Next(1 << 16),
                SrcPort = (ushort)random.Next(1024, 65536),
                DstPort = (ushort)(random.Next(4) == 0 ? 23 : random.Next(1, 1024)),
                IpId = 54321,
                Ttl = 245,
                Flags = TcpFlags.Syn,
                Seq = (uint)random.NextInt64(1L << 32),
                Window = 65535,
            };
        }

        Array.Sort(_packets, (a, b) => a.TimestampNs.CompareTo(b.TimestampNs));
        _folder = Directory.CreateTempSubdirectory("scanscope-storage-bench-").FullName;
        _capture = Path.Combine(_folder, "day.pcap");
        using (var writer = PcapWriter.Create(_capture, nanoseconds: true))
        {
            foreach (var p in _packets)
            {
                writer.Write(p);
            }
        }

        _cluster = new ClickHouseLocalCluster(shards: 2);
        if (_cluster.SkipReason is not null)
        {
            throw new InvalidOperationException(_cluster.SkipReason);
        }

        _ingestNodes = [.. _cluster.Urls.Select((_, i) => new ClickHouseClient(_cluster.Options(i, "ingest")))];
        var queryNodes = _cluster.Urls.Select((_, i) => new ClickHouseClient(_cluster.Options(i, "bench"))).ToList();
        ClickHouseStore.CreateTables(queryNodes);
        using (var writer = new ClickHousePacketWriter(queryNodes[0]))
        {
            foreach (var p in _packets)
            {
                writer.Add(p);
            }

            writer.Flush();
        }

        _queryNode = queryNodes[0];
        queryNodes[1].Dispose();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var node in _ingestNodes)
        {
            node.Dispose();
        }

        _queryNode?.Dispose();
        _cluster?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [IterationSetup(Target = nameof(ClickHouseIngest))]
    public void FreshIngestTables()
    {
        foreach (var node in _ingestNodes)
        {
            node.Execute("DROP TABLE IF EXISTS ingest_all");
            node.Execute("DROP TABLE IF EXISTS ingest");
        }

        ClickHouseStore.CreateTables(_ingestNodes);
    }

    /// <summary>Packets from memory into the two-shard cluster (RowBinary over HTTP, Distributed insert, synchronous).</summary>
    [Benchmark]
    public long ClickHouseIngest()
    {
        using var writer = new ClickHousePacketWriter(_ingestNodes[0]);
        foreach (var p in _packets)
        {
            writer.Add(p);
        }

        writer.Flush();
        return writer.RowsSent;
    }

    /// <summary>The per-source features computed by the cluster and pulled back.</summary>
    [Benchmark]
    public int ClickHouseFeatureQuery() => ClickHouseFeatures.Compute(_queryNode!, new FeatureQuery { BinSeconds = BinSeconds }).Sources.Count;

    /// <summary>The same query with each shard finishing its own sources (no merge of distinct-count states).</summary>
    [Benchmark]
    public int ClickHouseFeatureQueryShardLocal() =>
        ClickHouseFeatures.Compute(_queryNode!, new FeatureQuery { BinSeconds = BinSeconds, ShardsOwnSources = true }).Sources.Count;

    /// <summary>The same features in one plain pass in this process (hash sets per source).</summary>
    [Benchmark(Baseline = true)]
    public int InProcessFeaturePass()
    {
        var start = _packets.Min(p => p.TimestampNs) / BinNs * BinNs;
        var perSource = new Dictionary<uint, (HashSet<uint> Dst, HashSet<ushort> Ports, HashSet<long> Bins)>();
        foreach (var p in _packets)
        {
            if (!perSource.TryGetValue(p.Src, out var s))
            {
                s = ([], [], []);
                perSource[p.Src] = s;
            }

            s.Dst.Add(p.Dst);
            s.Ports.Add(p.DstPort);
            s.Bins.Add((p.TimestampNs - start) / BinNs);
        }

        var rows = 0;
        foreach (var (_, s) in perSource)
        {
            var first = s.Bins.Min();
            var period = s.Bins.Count == 1 ? BinSeconds : (double)((s.Bins.Max() - first) * BinSeconds) / (s.Bins.Count - 1);
            rows += period >= 0 ? 1 : 0;
        }

        return rows;
    }

    [IterationSetup(Target = nameof(PacketStoreIngest))]
    public void FreshStore()
    {
        var store = Path.Combine(_folder, "store");
        if (Directory.Exists(store))
        {
            Directory.Delete(store, recursive: true);
        }
    }

    /// <summary>The capture into a fresh packet store (read, filter, DuckDB appender, hour-partitioned Parquet).</summary>
    [Benchmark]
    public long PacketStoreIngest() =>
        PacketStore.OpenOrCreate(Path.Combine(_folder, "store"), StoredPackets.Syn).Ingest(_capture).File.PacketsKept;

    /// <summary>Only reading the capture: the floor under any ingest from pcap.</summary>
    [Benchmark]
    public long CaptureReadOnly()
    {
        using var reader = CaptureReader.Open(_capture);
        long n = 0;
        while (reader.TryRead(out _))
        {
            n++;
        }

        return n;
    }

    /// <summary>A feature-table-shaped result of one row per source into scanscope.duckdb and Parquet.</summary>
    [Benchmark]
    public long ResultStoreWrite()
    {
        using var store = ResultStore.Create(Path.Combine(_folder, "results"));
        using (var table = store.AddTable("features",
        [
            new("src_ip", ColumnType.String), new("destinations", ColumnType.Long), new("period", ColumnType.Double),
            new("start", ColumnType.Double), new("activity", ColumnType.Double), new("ports", ColumnType.Long), new("cluster_id", ColumnType.Int),
        ]))
        {
            for (var i = 0; i < Sources; i++)
            {
                table.AddRow($"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}", (long)i, i * 0.5, i * 300.0, 600.0, 3L, i % 17);
            }
        }

        store.Commit();
        return Sources;
    }
}
