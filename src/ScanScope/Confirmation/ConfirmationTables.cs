using System.Globalization;

namespace ScanScope.Confirmation;

/// <summary>A named table of typed values: what the CSV files and the DuckDB tables are written from.</summary>
/// <param name="Name">Table name (the CSV file is Name + ".csv").</param>
/// <param name="Columns">Column names.</param>
/// <param name="Rows">Values: int, long, double (NaN for none), string, DateTime (UTC) or null ("unknown" in CSV).</param>
public sealed record Table(string Name, IReadOnlyList<string> Columns, IReadOnlyList<object?[]> Rows);

/// <summary>The confirmation outputs as tables, and their CSV form.</summary>
public static class ConfirmationTables
{
    /// <summary>cluster_summary: the design contract's columns, then verdict and what it rests on.</summary>
    public static Table ClusterSummaries(IEnumerable<ClusterSummary> rows) => new(
        "cluster_summary",
        ["cluster_id", "sources", "slash8", "slash16", "slash24", "countries", "organizations", "jaccard", "expected_hosts", "category", "ports",
            "verdict", "scan_hosts", "reference_port", "reference_start", "scans", "top_country", "top_organization"],
        [.. rows.Select(r => new object?[]
        {
            r.ClusterId, r.Sources, r.Slash8, r.Slash16, r.Slash24, r.Countries, r.Organizations, r.Jaccard, r.ExpectedHosts, r.Category, r.Ports,
            r.Verdict, r.ScanHosts, r.ReferencePort is { } p ? (int)p : null, r.ReferenceStart, r.Scans, r.TopCountry, r.TopOrganization,
        })]);

    /// <summary>scans: the design contract's columns, then hosts, coverage and verdict.</summary>
    public static Table Scans(IEnumerable<ScanRow> rows) => new(
        "scans",
        ["cluster_id", "port", "scan", "unique_dst", "start", "duration_s", "dst_per_host", "jaccard", "expected_hosts", "hosts", "coverage", "verdict"],
        [.. rows.Select(r => new object?[]
        {
            r.ClusterId, (int)r.Port, r.Scan, r.UniqueDestinations, r.Start, r.DurationSeconds, r.DestinationsPerHost, r.Jaccard, r.ExpectedHosts,
            r.Hosts, r.Coverage, r.Verdict,
        })]);

    /// <summary>early_hosts: hosts active alone before their group's first scan.</summary>
    public static Table EarlyHosts(IEnumerable<EarlyHost> rows) => new(
        "early_hosts",
        ["cluster_id", "src_ip", "first_seen", "group_start", "probes_before", "ports_before"],
        [.. rows.Select(r => new object?[] { r.ClusterId, Address(r.Source), r.FirstSeen, r.GroupStart, r.ProbesBefore, r.PortsBefore })]);

    /// <summary>merge_suggestions: clusters that look like one group seen apart.</summary>
    public static Table MergeSuggestions(IEnumerable<MergeSuggestion> rows) => new(
        "merge_suggestions",
        ["cluster_a", "cluster_b", "score", "matched_scans", "union_hosts", "union_expected_hosts", "shared_destinations", "verdict"],
        [.. rows.Select(r => new object?[]
        {
            r.ClusterA, r.ClusterB, r.Score, r.MatchedScans, r.UnionHosts, r.UnionExpectedHosts, r.SharedDestinations, r.UnionVerdict,
        })]);

    /// <summary>recovery: ranked candidates for a cluster's missing members.</summary>
    public static Table Recovery(IEnumerable<RecoveryCandidate> rows) => new(
        "recovery",
        ["cluster_id", "rank", "src_ip", "score", "window_share", "size_similarity", "disjointness", "scans_joined", "destinations", "shared_destinations"],
        [.. rows.Select((r, i) => new object?[]
        {
            r.ClusterId, i + 1, Address(r.Source), r.Score, r.WindowShare, r.SizeSimilarity, r.Disjointness, r.ScansJoined, r.Destinations, r.SharedDestinations,
        })]);

    /// <summary>source_geo: country, ASN and organization of each address ("unknown" without a database).</summary>
    public static Table SourceGeo(IEnumerable<uint> sources, Enrichment.IIpEnricher enricher)
    {
        ArgumentNullException.ThrowIfNull(enricher);
        return new Table(
            "source_geo",
            ["src_ip", "country", "asn", "organization"],
            [.. sources.Select(a =>
            {
                var info = enricher.Lookup(a);
                return new object?[] { Address(a), info.Country, info.Asn is { } n ? (long)n : null, info.Organization };
            })]);
    }

    /// <summary>Writes <paramref name="table"/> as RFC 4180 CSV: null as "unknown", NaN empty, times ISO 8601 UTC.</summary>
    public static void WriteCsv(TextWriter writer, Table table)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(table);
        writer.Write(string.Join(',', table.Columns));
        writer.Write('\n');
        foreach (var row in table.Rows)
        {
            writer.Write(string.Join(',', row.Select(Format)));
            writer.Write('\n');
        }
    }

    /// <summary>Dotted-quad form of a big-endian address.</summary>
    public static string Address(uint a) => $"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}";

    private static string Format(object? value) => value switch
    {
        null => "unknown",
        double d when double.IsNaN(d) => "",
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        string s => Quote(s),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Quote(value.ToString() ?? ""),
    };

    private static string Quote(string s) =>
        s.AsSpan().IndexOfAny(",\"\n\r") < 0 ? s : "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

/// <summary>Shorthands that write the confirmation CSV files.</summary>
public static class ConfirmationCsv
{
    /// <summary>Writes cluster_summary.csv rows.</summary>
    public static void WriteClusterSummaries(TextWriter writer, IEnumerable<ClusterSummary> rows) =>
        ConfirmationTables.WriteCsv(writer, ConfirmationTables.ClusterSummaries(rows));

    /// <summary>Writes scans.csv rows.</summary>
    public static void WriteScans(TextWriter writer, IEnumerable<ScanRow> rows) =>
        ConfirmationTables.WriteCsv(writer, ConfirmationTables.Scans(rows));
}
