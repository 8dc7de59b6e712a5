using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ScanScope.Capture;
using ScanScope.Clustering;
using ScanScope.Confirmation;
using ScanScope.Enrichment;
using ScanScope.Packets;
using ScanScope.Pipeline;
using ScanScope.Reporting;
using ScanScope.Storage.Results;

namespace ScanScope.Cli;

/// <summary>What <c>analyze</c> does after the features: the stages from clustering to the report.</summary>
internal sealed record PipelineSettings
{
    public required ClusteringOptions Clustering { get; init; }

    public GeoOptions? Geo { get; init; }

    public bool Report { get; init; } = true;

    public int TsneMaxPoints { get; init; } = 3000;

    public int ActivityMaxPoints { get; init; } = 60_000;

    /// <summary>Memory for the probes of clustered sources that the second pass holds at once (more rounds over the inputs when they do not fit).</summary>
    public long ProbeMemoryBytes { get; init; } = DefaultProbeMemory();

    /// <summary>A quarter of the memory this process may use (the features and the runtime need the rest), at least 256 MiB.</summary>
    public static long DefaultProbeMemory() => Math.Max(256L << 20, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4);

    /// <summary>Where the second pass found the clustered sources' probes: "inputs" (read again), "memory" (the fold's probe log), "clickhouse".</summary>
    public string ProbesFrom { get; init; } = "inputs";

    /// <summary>Also hands every result table to this sink (ClickHouse for <c>analyze --clickhouse</c>); null: DuckDB and Parquet only.</summary>
    public Action<string, IReadOnlyList<ColumnSpec>, IEnumerable<object?[]>>? ExportTable { get; init; }
}

/// <summary>
/// Wires the stages of the core library behind <c>analyze</c>: clustering of the feature table, a
/// second pass (over the captures, or a query) that collects the probes of clustered sources only, confirmation
/// of every cluster, the report, and every table into DuckDB and Parquet. Each file is written to a
/// temporary name and renamed.
/// </summary>
internal static class AnalyzePipeline
{
    /// <summary>
    /// Runs the stages after the features. <paramref name="collectEvents"/> gets the rounds of the
    /// second pass (each the cluster of every clustered source it holds) and the number of one, and
    /// returns that round's probes (<see cref="CollectEvents"/> or a <see cref="ProbeSpill"/> for captures).
    /// </summary>
    public static void Run(AnalysisResult features, Func<IReadOnlyList<Dictionary<uint, int>>, int, Dictionary<uint, SourceEvents>> collectEvents, string dir, PipelineSettings settings, TextWriter log)
    {
        var timings = new List<(string Stage, double Seconds)>();
        var sw = Stopwatch.StartNew();

        // 1. Clustering on the feature rows (the same values features.csv holds: it prints them round-trip).
        var table = ToTable(features.Features);
        ClusteringOutcome? outcome = table.Sources.Length == 0 ? null : SourceClustering.Run(
            table.Features,
            table.HeavyHitter,
            settings.Clustering,
            settings.Clustering.Algorithm == ClusteringAlgorithm.Siblings ? [.. features.Features.Select(SiblingSource.From)] : null);
        var labels = outcome?.Labels ?? [];
        AtomicFile.Write(Path.Combine(dir, "clusters.csv"), outcome is null ? "src_ip,cluster_id\n" : ClusterCommand.ClustersCsv(table, outcome));
        if (outcome?.Dbscan?.Curve is { } curve)
        {
            AtomicFile.Write(Path.Combine(dir, "k_distance.csv"), ClusterCommand.CurveCsv(curve));
        }

        timings.Add(("clustering", sw.Elapsed.TotalSeconds));
        sw.Restart();

        // 2. Second pass: the probes of clustered sources, for the scans inside each cluster; in as
        // many rounds (each a pass over the inputs, for some of the clusters) as the probe memory needs.
        var clusterOf = new Dictionary<uint, int>();
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= 0)
            {
                clusterOf[features.Features[i].Src] = labels[i];
            }
        }

        var rounds = SecondPassRounds(clusterOf, features.Features, settings.ProbeMemoryBytes);
        if (rounds.Count > 1)
        {
            var how = settings.ProbesFrom == "inputs" ? "the inputs are read once, each round's probes spilled to disk (18 bytes each; --spill-dir)" : $"each round takes its probes from {settings.ProbesFrom}";
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"scanscope: the clustered sources' probes do not fit {Progress.Bytes(settings.ProbeMemoryBytes)} (--probe-memory): they are confirmed in {rounds.Count} rounds of whole clusters; {how}"));
        }

        // 3. Confirmation and enrichment, round by round; the activity figures are made while a round's probes are in memory.
        using var enricher = OpenEnricher(settings.Geo, log);
        var context = new ConfirmationContext(Math.Max(1, features.Telescope.ActiveObservers), features.WindowStartNs, features.WindowEndNs, features.Options.BinSeconds);
        var confirmed = new List<ClusterConfirmation>();
        var activity = new Dictionary<int, ActivityFigure?>();
        double secondPass = 0, confirming = 0, figures = 0;
        for (var r = 0; r < rounds.Count; r++)
        {
            var round = rounds[r];
            sw.Restart();
            var events = collectEvents(rounds, r);
            secondPass += sw.Elapsed.TotalSeconds;
            sw.Restart();
            var clusters = round.GroupBy(kv => kv.Value)
                .OrderBy(g => g.Key)
                .Select(g => new ClusterInput(g.Key, [.. g.Select(kv => events.TryGetValue(kv.Key, out var e) ? e : new SourceEvents(kv.Key, [], [], []))]))
                .ToList();
            var done = ConfirmationStage.Confirm(clusters, context, enricher);
            confirmed.AddRange(done);
            confirming += sw.Elapsed.TotalSeconds;
            sw.Restart();
            if (settings.Report)
            {
                foreach (var c in done)
                {
                    activity[c.ClusterId] = ReportBuilder.Activity(c, events, features, settings.ActivityMaxPoints);
                }
            }

            figures += sw.Elapsed.TotalSeconds;
        }

        sw.Restart();
        var confirmation = ConfirmationStage.Combine(confirmed, context, enricher);
        var confirmationTables = confirmation.Tables();
        foreach (var t in confirmationTables)
        {
            AtomicFile.Write(Path.Combine(dir, t.Name + ".csv"), writer => ConfirmationTables.WriteCsv(writer, t));
        }

        timings.Add(("second pass", secondPass));
        timings.Add(("confirmation", confirming + sw.Elapsed.TotalSeconds));
        sw.Restart();

        // 4. Report and static figures.
        if (settings.Report)
        {
            var model = ReportBuilder.Build(features, table, outcome, confirmation, activity, settings, enricher);
            HtmlReport.Write(model, Path.Combine(dir, "report.html"));
            StaticFigures.Write(model, Path.Combine(dir, "figures"));
        }

        timings.Add(("report", figures + sw.Elapsed.TotalSeconds));
        sw.Restart();

        // 5. Every CSV as a table in DuckDB and Parquet (and the export sink), then the summary with the clustering parameters.
        StoreTables(dir, settings.ExportTable);
        timings.Add(("tables", sw.Elapsed.TotalSeconds));
        UpdateSummary(Path.Combine(dir, "summary.json"), settings.Clustering, outcome, confirmation, timings, rounds.Count, settings.ProbesFrom);
        var clusterCount = outcome?.ClusterCount ?? 0;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"scanscope: {clusterCount} clusters ({labels.Count(l => l == -1)} noise sources); categories: {string.Join(", ", confirmation.Clusters.GroupBy(c => c.Summary.Category).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"))}"));
    }

    private static IpEnricher? OpenEnricher(GeoOptions? options, TextWriter log)
    {
        if (options is null)
        {
            return null;
        }

        var enricher = IpEnricher.Open(options, out var warning);
        if (warning is not null)
        {
            log.WriteLine($"scanscope: warning: {warning}");
        }

        return enricher;
    }

    /// <summary>
    /// Memory planned per probe held by the second pass: 14 bytes stored (in arrays made to the
    /// features' packet count), the 8-byte keys confirmation sorts per scan, and room to spare.
    /// </summary>
    internal const long BytesPerProbe = 48;

    /// <summary>
    /// The clustered sources split into rounds, whole clusters in cluster order, so that the probes a
    /// round holds (the sources' packet counts from the features, an upper bound) fit
    /// <paramref name="budgetBytes"/>. A cluster larger than the budget is a round of its own. One
    /// round (possibly empty) when everything fits.
    /// </summary>
    internal static List<Dictionary<uint, int>> SecondPassRounds(Dictionary<uint, int> clusterOf, IReadOnlyList<Features.FeatureRow> rows, long budgetBytes)
    {
        var packets = rows.ToDictionary(r => r.Src, r => r.Packets);
        var rounds = new List<Dictionary<uint, int>> { new() };
        long held = 0;
        foreach (var cluster in clusterOf.GroupBy(kv => kv.Value).OrderBy(g => g.Key))
        {
            var probes = cluster.Sum(kv => packets.GetValueOrDefault(kv.Key));
            if (held > 0 && (held + probes) * BytesPerProbe > budgetBytes)
            {
                rounds.Add([]);
                held = 0;
            }

            foreach (var (src, id) in cluster)
            {
                rounds[^1][src] = id;
            }

            held += probes;
        }

        return rounds;
    }

    /// <summary>
    /// The second pass over captures in one round, when the fold's probe log did not fit: the probes of the
    /// clustered sources that passed the feature filter in the window, each source's arrays made as
    /// long as its packet count in the features.
    /// </summary>
    public static Dictionary<uint, SourceEvents> CollectEvents(IReadOnlyList<PacketSource> inputs, IPacketPredicate filter, AnalysisResult features, Dictionary<uint, int> clusterOf)
    {
        var builder = SourceEventsBuilder.For(clusterOf, features.Features);
        if (clusterOf.Count == 0)
        {
            return builder.Build();
        }

        var batch = new PacketRecord[4096];
        foreach (var input in inputs)
        {
            using var reader = input.Open();
            for (var n = reader.ReadBatch(batch); n > 0; n = reader.ReadBatch(batch))
            {
                foreach (ref readonly var p in batch.AsSpan(0, n))
                {
                    if (features.IsProbe(p, filter))
                    {
                        builder.AddReserved(p.Src, p.TimestampNs, p.Dst, p.DstPort);
                    }
                }
            }
        }

        return builder.Build();
    }

    /// <summary>
    /// Adds the clustering, the categories, the stage times and the second pass to summary.json (the
    /// features stage of this run wrote it, without them): what the file holds is copied as it is (a <see cref="JsonDocument"/>, not a node tree: this
    /// runs once per process and the tree's first use costs more than the rest of the method).
    /// </summary>
    private static void UpdateSummary(string path, ClusteringOptions options, ClusteringOutcome? outcome, ConfirmationResult confirmation, List<(string Stage, double Seconds)> timings, int secondPassRounds, string probesFrom)
    {
        using var existing = JsonDocument.Parse(File.Exists(path) ? File.ReadAllBytes(path) : "{}"u8.ToArray());
        string[] added = ["clustering", "categories", "stage_seconds", "second_pass_rounds", "second_pass_probes_from"];
        var categories = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var c in confirmation.Clusters)
        {
            categories[c.Summary.Category] = categories.GetValueOrDefault(c.Summary.Category) + 1;
        }

        AtomicFile.Write(path, AnalysisWriter.IndentedJson(w =>
        {
            w.WriteStartObject();
            foreach (var p in existing.RootElement.EnumerateObject())
            {
                if (Array.IndexOf(added, p.Name) < 0)
                {
                    p.WriteTo(w);
                }
            }

            w.WriteStartObject("clustering");
            w.WriteString("algorithm", options.Algorithm.ToString().ToLowerInvariant());
            w.WriteString("scaler", options.Scaler.ToString().ToLowerInvariant());
            w.WriteNumber("clusters", outcome?.ClusterCount ?? 0);
            w.WriteNumber("noise", outcome?.Labels.Count(l => l == -1) ?? 0);
            w.WriteNumber("heavy_hitters", outcome?.Labels.Count(l => l == -2) ?? 0);
            if (outcome?.Dbscan is { } db)
            {
                w.WriteNumber("eps", db.Eps);
                w.WriteNumber("min_samples", db.MinSamples);
                w.WriteString("eps_reason", db.EpsReason);
            }

            if (outcome?.Hdbscan is not null)
            {
                w.WriteNumber("min_cluster_size", options.Hdbscan.MinClusterSize);
            }

            if (options.Algorithm == ClusteringAlgorithm.Siblings)
            {
                var s = options.Siblings;
                w.WriteStartObject("siblings");
                w.WriteNumber("bin_seconds", s.BinSeconds);
                w.WriteNumber("sigmas", s.Sigmas);
                w.WriteNumber("period_tolerance", s.PeriodTolerance);
                w.WriteNumber("start_gaps", s.StartGaps);
                w.WriteNumber("launch_skew_seconds", s.LaunchSkewSeconds);
                w.WriteNumber("start_cap_seconds", s.StartCapSeconds);
                w.WriteNumber("port_jaccard", s.PortJaccard);
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteStartObject("categories");
            foreach (var (category, count) in categories)
            {
                w.WriteNumber(category, count);
            }

            w.WriteEndObject();
            w.WriteStartObject("stage_seconds");
            foreach (var (stage, seconds) in timings)
            {
                w.WriteNumber(stage, Math.Round(seconds, 3));
            }

            w.WriteEndObject();
            w.WriteNumber("second_pass_rounds", secondPassRounds);
            w.WriteString("second_pass_probes_from", probesFrom);
            w.WriteEndObject();
        }));
    }

    /// <summary>Every CSV of the output folder becomes a table of the same name; column types are inferred.</summary>
    private static void StoreTables(string dir, Action<string, IReadOnlyList<ColumnSpec>, IEnumerable<object?[]>>? export)
    {
        using var store = ResultStore.Create(dir);
        foreach (var csv in Directory.GetFiles(dir, "*.csv").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(csv);
            if (export is null)
            {
                // The types from one streaming pass; the rows themselves go from the file into DuckDB.
                var (header, types) = InferColumns(csv);
                store.AddTableFromCsv(name, [.. header.Select((h, c) => new ColumnSpec(h, types[c]))], csv);
            }
            else
            {
                var (header, rows) = CsvFile.Read(csv);
                var types = InferTypes(rows, header.Length);
                var columns = header.Select((h, c) => new ColumnSpec(h, types[c])).ToArray();
                store.WriteTable(name, columns, rows.Select(r => Convert(r, types)));
                export(name, columns, rows.Select(r => Convert(r, types)));
            }
        }

        store.Commit();
    }

    // Per column: Long when every non-empty value parses as one, else Double when every one parses
    // as that, else String. One pass over the rows (a column at a time walked every row's strings
    // once per column: 190 ns a value, most of the tables stage for 10^5+ sources); a value that is
    // a long is a double too, so it is parsed once, and a column already known to be text is skipped.
    private static ColumnType[] InferTypes(IEnumerable<string[]> rows, int columns)
    {
        var (allLong, allDouble) = (new bool[columns], new bool[columns]);
        Array.Fill(allLong, true);
        Array.Fill(allDouble, true);
        foreach (var r in rows)
        {
            for (var c = 0; c < columns; c++)
            {
                var v = c < r.Length ? r[c] : string.Empty;
                if (!allDouble[c] || v.Length == 0 || (allLong[c] && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)))
                {
                    continue;
                }

                allLong[c] = false;
                allDouble[c] = double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
            }
        }

        return [.. Enumerable.Range(0, columns).Select(c => allLong[c] ? ColumnType.Long : allDouble[c] ? ColumnType.Double : ColumnType.String)];
    }

    // The header and the inferred types of a CSV file, its rows read one at a time and not kept.
    private static (string[] Header, ColumnType[] Types) InferColumns(string csv)
    {
        var lines = File.ReadLines(csv).Where(l => l.Length > 0).Select(CsvFields.Split);
        var header = lines.FirstOrDefault() ?? [];
        return (header, InferTypes(lines.Skip(1), header.Length));
    }

    private static object?[] Convert(string[] row, ColumnType[] types)
    {
        var values = new object?[types.Length];
        for (var c = 0; c < types.Length; c++)
        {
            var v = c < row.Length ? row[c] : string.Empty;
            values[c] = v.Length == 0 && types[c] != ColumnType.String ? null : types[c] switch
            {
                ColumnType.Long => long.Parse(v, CultureInfo.InvariantCulture),
                ColumnType.Double => double.Parse(v, CultureInfo.InvariantCulture),
                _ => v,
            };
        }

        return values;
    }

    /// <summary>The thesis' five features of every source, unscaled, in the order of the feature rows.</summary>
    private static FeatureTable ToTable(IReadOnlyList<Features.FeatureRow> rows)
    {
        var columns = FeatureTable.ThesisColumns.Count;
        var data = new double[rows.Count * columns];
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            var at = i * columns;
            data[at] = r.Destinations;
            data[at + 1] = r.Period;
            data[at + 2] = r.Start;
            data[at + 3] = r.Activity;
            data[at + 4] = r.Ports;
        }

        return new FeatureTable(
            [.. rows.Select(r => Telescope.TelescopeBlock.Format(r.Src))],
            new FeatureMatrix(data, rows.Count, columns, FeatureTable.ThesisColumns),
            [.. rows.Select(r => r.HeavyHitter)]);
    }
}
