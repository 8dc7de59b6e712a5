using System.Diagnostics;
using System.Globalization;
using ScanScope.Capture;
using ScanScope.Confirmation;
using ScanScope.Features;
using ScanScope.Packets;
using ScanScope.Pipeline;
using ScanScope.Storage.Packets;
using ScanScope.Telescope;

namespace ScanScope.Storage.ClickHouse;

/// <summary>
/// The analysis' first stages (telescope model, per-source features, heavy hitters) over the
/// packets stored in ClickHouse: every count is a query over the target table (the Distributed
/// table on a cluster), only one row per source and per observer comes back, and the result is
/// the same <see cref="AnalysisResult"/> the in-process <see cref="Analysis"/> gives on the same
/// packets, so clustering, confirmation and the report run unchanged.
/// </summary>
/// <remarks>
/// The telescope model counts every stored packet (in-process: every TCP packet of the capture),
/// so the two paths agree on |O| and uptime when the packets were ingested with <c>--all-tcp</c>.
/// With the default SYN-only ingest the model here sees only the SYN probes.
/// </remarks>
public static class ClickHouseAnalysis
{
    /// <summary>
    /// Runs the analysis over <paramref name="client"/>'s target table. <paramref name="featureFilter"/>
    /// selects the packets that make features (SYN only, toolchain tags, ports); the window and the
    /// telescope come from <paramref name="options"/>, as in process.
    /// </summary>
    public static AnalysisResult Run(ClickHouseClient client, AnalysisOptions options, PacketFilter featureFilter)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(featureFilter);
        var timings = new List<StageTiming>();
        var clock = Stopwatch.StartNew();
        long? from = options.From is { } f ? f.ToUnixTimeMilliseconds() * 1_000_000L : null;
        long? to = options.To is { } t ? t.ToUnixTimeMilliseconds() * 1_000_000L : null;
        var toTelescope = ClickHouseConditions.Packets(StoredPackets.AllTcp, options.Telescope, fromNs: from, toNs: to);
        var names = client.Options.Names();
        names["where"] = toTelescope;
        var span = client.Execute(ClickHouseSql.Render("telescope_span", names) + "\nFORMAT TabSeparated").Trim().Split('\t');
        var c = CultureInfo.InvariantCulture;
        var packets = long.Parse(span[0], c);
        var (first, last) = packets == 0 ? (long.MaxValue, long.MinValue) : (long.Parse(span[1], c), long.Parse(span[2], c));
        var (windowStart, windowEnd) = Analysis.Window(packets, first, last, options);
        var counts = new ClickHouseTelescopeCounts(client, toTelescope, int.Parse(span[3], c));
        var telescope = TelescopeModel.Build(counts, options.Telescope, windowStart, windowEnd, options.UptimeThreshold, options.UptimePeriodMinutes);
        timings.Add(new StageTiming("clickhouse_telescope", clock.Elapsed.TotalSeconds));

        clock.Restart();
        var query = new FeatureQuery
        {
            BinSeconds = options.BinSeconds,
            WindowStartNs = windowStart,
            WindowEndNs = windowEnd,
            Filter = featureFilter.SynOnly ? StoredPackets.Syn : StoredPackets.AllTcp,
            Telescope = options.Telescope,
            Tools = featureFilter.Tools,
            Ports = featureFilter.Ports,

            // ScanScope's Distributed table shards by source, so each shard can finish its own
            // sources: the distinct-count states stay on the shards instead of all meeting at the
            // server the client talks to (the memory wall of a /8, docs/scaling.md).
            ShardsOwnSources = client.Options.Cluster is not null,
        };
        var rows = packets == 0 ? [] : ClickHouseFeatures.Compute(client, query).Sources;
        var portLists = packets == 0 ? [] : PortLists(client, query, options.PortListLimit);
        var features = rows.Select(r => Row(r, portLists)).ToList();
        timings.Add(new StageTiming("clickhouse_features", clock.Elapsed.TotalSeconds));

        clock.Restart();
        var (marked, heavy) = Analysis.MarkHeavyHitters(features, telescope, options);
        timings.Add(new StageTiming("heavy_hitters", clock.Elapsed.TotalSeconds));

        var used = features.Sum(r => r.Packets);
        var counters = new CaptureCounters { Records = packets, Packets = packets, FirstTimestampNs = first, LastTimestampNs = last, Files = 0 };
        return new AnalysisResult
        {
            Inputs = [Describe(client)],
            Options = options,
            Counters = counters,
            OutsideWindow = 0,
            OutsideTelescope = 0,
            Filtered = packets - used,
            Used = used,
            WindowStartNs = windowStart,
            WindowEndNs = windowEnd,
            Telescope = telescope,
            Features = marked,
            HeavyHitters = heavy,
            Timings = timings,
            Warnings = packets == 0 ? [$"{Describe(client)} holds no packet in the window"]
                : used == 0 ? [$"no packet in {Describe(client)} passed the filter"]
                : [],
        };
    }

    /// <summary>
    /// The probes of <paramref name="sources"/> that made their features (the confirmation's
    /// second pass, done by the database instead of a second read of the captures).
    /// </summary>
    public static Dictionary<uint, SourceEvents> Events(ClickHouseClient client, AnalysisResult analysis, PacketFilter featureFilter, IReadOnlyCollection<uint> sources)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(analysis);
        ArgumentNullException.ThrowIfNull(featureFilter);
        ArgumentNullException.ThrowIfNull(sources);
        var builder = new SourceEventsBuilder();
        if (sources.Count == 0)
        {
            return builder.Build();
        }

        var names = client.Options.Names();
        names["where"] = ClickHouseConditions.WithSources(
            ClickHouseConditions.Packets(featureFilter.SynOnly ? StoredPackets.Syn : StoredPackets.AllTcp, analysis.Options.Telescope, featureFilter.Tools, featureFilter.Ports, analysis.WindowStartNs, analysis.WindowEndNs),
            [.. sources.Order()]);
        var sql = ClickHouseSql.Render("source_events", names);
        var c = CultureInfo.InvariantCulture;
        foreach (var line in client.QueryLines(sql + "\nFORMAT TabSeparated", LongQuery(sql)))
        {
            var v = line.Split('\t');
            builder.Add(uint.Parse(v[0], c), long.Parse(v[1], c), uint.Parse(v[2], c), ushort.Parse(v[3], c));
        }

        return builder.Build();
    }

    /// <summary>"clickhouse URL database.table", for messages and summary.json.</summary>
    public static string Describe(ClickHouseClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return $"clickhouse {client.Options.Url} {client.Options.Database}.{client.Options.Target}";
    }

    // The server parses at most max_query_size bytes of a query (256 KiB by default); a long list of
    // cluster members needs more.
    private static Dictionary<string, string> LongQuery(string sql) => new(StringComparer.Ordinal)
    {
        ["max_query_size"] = Math.Max(262_144, (sql.Length * 2) + 1024).ToString(CultureInfo.InvariantCulture),
    };

    private static Dictionary<uint, (ushort[] Ports, int[] Destinations)> PortLists(ClickHouseClient client, FeatureQuery query, int limit)
    {
        var names = client.Options.Names();
        names["where"] = ClickHouseConditions.Packets(query.Filter, query.Telescope, query.Tools, query.Ports, query.WindowStartNs, query.WindowEndNs);
        names["port_limit"] = (long)limit;
        var lists = new Dictionary<uint, (ushort[], int[])>();
        var c = CultureInfo.InvariantCulture;
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        if (query.ShardsOwnSources)
        {
            settings["distributed_group_by_no_merge"] = "1";
        }

        foreach (var line in client.QueryLines(ClickHouseSql.Render("source_ports", names) + "\nFORMAT TabSeparated", settings))
        {
            var v = line.Split('\t');
            lists[uint.Parse(v[0], c)] = (Numbers(v[1]).Select(x => ushort.Parse(x, c)).ToArray(), Numbers(v[2]).Select(x => int.Parse(x, c)).ToArray());
        }

        return lists;
    }

    private static string[] Numbers(string array) => array.Trim('[', ']') is { Length: > 0 } inner ? inner.Split(',') : [];

    private static FeatureRow Row(SourceFeatureRow r, Dictionary<uint, (ushort[] Ports, int[] Destinations)> portLists)
    {
        var (ports, destinations) = portLists.TryGetValue(r.Src, out var l) ? l : ([], []);
        return new FeatureRow
        {
            Src = r.Src,
            Destinations = checked((int)r.Destinations),
            Period = r.Period,
            Start = (long)r.Start,
            Activity = (long)r.Activity,
            Ports = checked((int)r.Ports),
            FirstSeenNs = r.FirstSeenNs,
            LastSeenNs = r.LastSeenNs,
            Packets = r.Packets,
            PortList = ports,
            PortDestinations = destinations,
            Tools = [.. Enumerable.Range(0, 32).Where(t => (r.ToolMask & (1u << t)) != 0).Select(t => (Toolchain)t)],
            TtlMin = r.TtlMin,
            TtlMax = r.TtlMax,
        };
    }

    /// <summary>The telescope model's counts as queries over the packets to the telescope.</summary>
    private sealed class ClickHouseTelescopeCounts(ClickHouseClient client, SqlCondition toTelescope, int observers) : ITelescopeCounts
    {
        private Dictionary<uint, long>? _minutes;

        public IReadOnlyDictionary<uint, long> MinutePackets => _minutes ??= Query("telescope_minutes", [])
            .ToDictionary(v => uint.Parse(v[0], CultureInfo.InvariantCulture), v => long.Parse(v[1], CultureInfo.InvariantCulture));

        public TelescopeSpace InferSpace() => TelescopeSpace.Infer(Query("telescope_blocks", []).Select(v => uint.Parse(v[0], CultureInfo.InvariantCulture)));

        // The queries select only packets to the space (a given one), or the space is inferred from
        // their destinations: either way every observer that received anything is in it.
        public int ObserversIn(TelescopeSpace space) => observers;

        public IEnumerable<ObserverActivity> Activity(TelescopeSpace space, uint firstMinute, uint endMinute, int periodMinutes, IReadOnlyList<bool> informative)
        {
            // The informative periods as one 64-bit mask per block of 64 periods, the blocks the query folds.
            var masks = new ulong[Math.Max(1, (informative.Count + 63) / 64)];
            for (var p = 0; p < informative.Count; p++)
            {
                masks[p / 64] |= informative[p] ? 1UL << (p % 64) : 0;
            }

            var c = CultureInfo.InvariantCulture;
            var values = new Dictionary<string, object> { ["first_minute"] = (long)firstMinute, ["end_minute"] = (long)endMinute, ["period_minutes"] = (long)periodMinutes, ["informative"] = masks };
            foreach (var v in Query("telescope_observers", values))
            {
                var address = uint.Parse(v[0], c);
                if (space.Contains(address))
                {
                    yield return new ObserverActivity(address, int.Parse(v[1], c));
                }
            }
        }

        // Every observer the queries see is in the space (see ObserversIn).
        public IEnumerable<(uint Day, uint Subnet, int Observers)> DailyObservers(TelescopeSpace space)
        {
            var c = CultureInfo.InvariantCulture;
            return Query("telescope_daily", []).Select(v => (uint.Parse(v[0], c), uint.Parse(v[1], c), int.Parse(v[2], c)));
        }

        private IEnumerable<string[]> Query(string statement, Dictionary<string, object> values)
        {
            var names = client.Options.Names();
            names["where"] = toTelescope;
            foreach (var (k, v) in values)
            {
                names[k] = v;
            }

            return client.QueryLines(ClickHouseSql.Render(statement, names) + "\nFORMAT TabSeparated").Select(line => line.Split('\t'));
        }
    }
}
