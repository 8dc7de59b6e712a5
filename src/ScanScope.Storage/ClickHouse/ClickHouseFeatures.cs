using System.Globalization;
using ScanScope.Packets;
using ScanScope.Storage.Packets;
using ScanScope.Telescope;

namespace ScanScope.Storage.ClickHouse;

/// <summary>What to compute features over.</summary>
public sealed record FeatureQuery
{
    /// <summary>Bin width b in whole seconds (thesis default 300).</summary>
    public int BinSeconds { get; init; } = 300;

    /// <summary>Window start (ns since the epoch); null: the bin start of the earliest packet, floor(min_ts / b)·b.</summary>
    public long? WindowStartNs { get; init; }

    /// <summary>Window end, exclusive (ns); null: no end.</summary>
    public long? WindowEndNs { get; init; }

    /// <summary>Which packets count: SYN probes (default) or every TCP packet.</summary>
    public StoredPackets Filter { get; init; } = StoredPackets.Syn;

    /// <summary>Only packets to this space (the telescope); null: every destination.</summary>
    public TelescopeSpace? Telescope { get; init; }

    /// <summary>Only packets with these toolchain tags (<c>--tool</c>); null: every tag.</summary>
    public ToolchainSet? Tools { get; init; }

    /// <summary>Only packets to these destination ports (<c>--ports</c>); null: every port.</summary>
    public PortSet? Ports { get; init; }

    /// <summary>
    /// Let each shard finish its own sources (<c>distributed_group_by_no_merge=1</c>) instead of
    /// merging every shard's distinct-count states on the server the client talks to. Correct
    /// only because the Distributed table shards by source (each source lives on one shard);
    /// off by default so a differently sharded table still gives exact results.
    /// </summary>
    public bool ShardsOwnSources { get; init; }
}

/// <summary>
/// One source's features as ClickHouse computed them (definitions in <c>Queries.sql</c>,
/// <c>source_features</c>, and <c>design.md</c>). Times are seconds; bin numbers are kept so a
/// caller can check or recompute the time features. <see cref="ToolMask"/> has bit t set when a
/// packet had toolchain tag t (<see cref="Toolchain"/>).
/// </summary>
public sealed record SourceFeatureRow(
    uint Src,
    long Destinations,
    long Ports,
    double Period,
    double Start,
    double Activity,
    long Packets,
    long FirstSeenNs,
    long LastSeenNs,
    long FirstBin,
    long LastBin,
    long ActiveBins,
    byte TtlMin,
    byte TtlMax,
    uint ToolMask);

/// <summary>The feature table: the window used and one row per source, ordered by source address.</summary>
public sealed record FeatureResult(long WindowStartNs, int BinSeconds, IReadOnlyList<SourceFeatureRow> Sources);

/// <summary>Computes the per-source features in ClickHouse and pulls back one row per source.</summary>
public static class ClickHouseFeatures
{
    /// <summary>
    /// Runs <c>window_start</c> (unless the query fixes the window) and <c>source_features</c>
    /// over the target table of <paramref name="client"/> (the Distributed table on a cluster).
    /// </summary>
    public static FeatureResult Compute(ClickHouseClient client, FeatureQuery query)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(query);
        if (query.BinSeconds <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.BinSeconds, "the bin width must be at least one second");
        }

        var binNs = query.BinSeconds * 1_000_000_000L;
        var names = client.Options.Names();
        names["bin_ns"] = binNs;
        names["bin_seconds"] = (long)query.BinSeconds;
        names["where"] = ClickHouseConditions.Packets(query.Filter, query.Telescope, query.Tools, query.Ports);

        var windowStart = query.WindowStartNs;
        if (windowStart is null)
        {
            var fields = client.Execute(ClickHouseSql.Render("window_start", names) + "\nFORMAT TabSeparated").Trim().Split('\t');
            if (long.Parse(fields[1], CultureInfo.InvariantCulture) == 0)
            {
                return new FeatureResult(0, query.BinSeconds, []);
            }

            windowStart = long.Parse(fields[0], CultureInfo.InvariantCulture);
        }

        names["window_start_ns"] = windowStart.Value;
        names["window_end_ns"] = query.WindowEndNs ?? long.MaxValue;
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        if (query.ShardsOwnSources && client.Options.Cluster is not null)
        {
            settings["distributed_group_by_no_merge"] = "1";
        }

        var rows = new List<SourceFeatureRow>();
        foreach (var line in client.QueryLines(ClickHouseSql.Render("source_features", names) + "\nFORMAT TabSeparated", settings))
        {
            rows.Add(Parse(line));
        }

        // Unmerged, each shard's rows arrive sorted on their own.
        rows.Sort((a, b) => a.Src.CompareTo(b.Src));

        return new FeatureResult(windowStart.Value, query.BinSeconds, rows);
    }

    private static SourceFeatureRow Parse(string line)
    {
        var f = line.Split('\t');
        if (f.Length != 15)
        {
            throw new StorageException($"ClickHouse source_features returned {f.Length} columns, expected 15: '{line}'");
        }

        var c = CultureInfo.InvariantCulture;
        return new SourceFeatureRow(
            Src: uint.Parse(f[0], c),
            Destinations: long.Parse(f[1], c),
            Ports: long.Parse(f[2], c),
            Packets: long.Parse(f[3], c),
            FirstSeenNs: long.Parse(f[4], c),
            LastSeenNs: long.Parse(f[5], c),
            FirstBin: long.Parse(f[6], c),
            LastBin: long.Parse(f[7], c),
            ActiveBins: long.Parse(f[8], c),
            Period: double.Parse(f[9], c),
            Start: double.Parse(f[10], c),
            Activity: double.Parse(f[11], c),
            TtlMin: byte.Parse(f[12], c),
            TtlMax: byte.Parse(f[13], c),
            ToolMask: uint.Parse(f[14], c));
    }
}

/// <summary>The <c>WHERE</c> conditions of the queries, from the analysis' packet selection.</summary>
public static class ClickHouseConditions
{
    /// <summary>
    /// Packets with the given flags (SYN probes or every TCP packet), to the telescope space, with
    /// the toolchain tags and destination ports; null criteria are left out.
    /// </summary>
    public static SqlCondition Packets(StoredPackets flags, TelescopeSpace? telescope = null, ToolchainSet? tools = null, PortSet? ports = null, long? fromNs = null, long? toNs = null)
    {
        var where = SqlCondition.All;
        if (flags == StoredPackets.Syn)
        {
            where = where.And("cond_flags", new Dictionary<string, object> { ["flag_mask"] = (byte)0x12, ["flag_value"] = (byte)0x02 });
        }

        if (fromNs is not null || toNs is not null)
        {
            where = where.And("cond_window", new Dictionary<string, object> { ["from_ns"] = fromNs ?? long.MinValue, ["to_ns"] = toNs ?? long.MaxValue });
        }

        if (telescope is not null)
        {
            where = where.And("cond_destinations", new Dictionary<string, object>
            {
                ["dst_lo"] = telescope.Blocks.Select(b => b.First).ToArray(),
                ["dst_hi"] = telescope.Blocks.Select(b => b.Last).ToArray(),
            });
        }

        if (tools is { } t)
        {
            where = where.And("cond_tools", new Dictionary<string, object> { ["tool_mask"] = (ulong)t.Mask });
        }

        if (ports is not null)
        {
            var (lo, hi) = Ranges(ports);
            where = where.And("cond_ports", new Dictionary<string, object> { ["port_lo"] = lo, ["port_hi"] = hi });
        }

        return where;
    }

    /// <summary>The same selection, restricted to <paramref name="sources"/> (not empty).</summary>
    public static SqlCondition WithSources(SqlCondition where, uint[] sources)
    {
        ArgumentNullException.ThrowIfNull(where);
        return where.And("cond_sources", new Dictionary<string, object> { ["sources"] = sources });
    }

    private static (ushort[] Lo, ushort[] Hi) Ranges(PortSet ports)
    {
        var lo = new List<ushort>();
        var hi = new List<ushort>();
        for (var p = 0; p <= ushort.MaxValue; p++)
        {
            if (!ports.Contains((ushort)p))
            {
                continue;
            }

            if (hi.Count > 0 && hi[^1] == p - 1)
            {
                hi[^1] = (ushort)p;
            }
            else
            {
                lo.Add((ushort)p);
                hi.Add((ushort)p);
            }
        }

        // An empty set selects nothing: a range no port is in.
        return lo.Count == 0 ? ([1], [0]) : ([.. lo], [.. hi]);
    }
}
