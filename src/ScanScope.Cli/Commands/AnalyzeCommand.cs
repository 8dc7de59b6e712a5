using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using ScanScope.Capture;
using ScanScope.Enrichment;
using ScanScope.Features;
using ScanScope.Packets;
using ScanScope.Pipeline;
using ScanScope.Storage;
using ScanScope.Storage.ClickHouse;
using ScanScope.Telescope;

namespace ScanScope.Cli;

/// <summary>
/// <c>scanscope analyze INPUT... | --store DIR | --clickhouse URL --out DIR</c>: telescope model and
/// per-source features (in process, or as SQL in ClickHouse), then the rest of the pipeline.
/// </summary>
internal static class AnalyzeCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("INPUT") { Description = "Capture files, folders or globs (pcap, pcapng, .gz, .zst; - for stdin).", Arity = ArgumentArity.ZeroOrMore };
        var store = new Option<string?>("--store") { Description = "Read the packets from a packet store written by 'scanscope ingest --store DIR' instead of captures." };
        var output = new Option<string>("--out") { Description = "Output folder: features.csv, clusters.csv, cluster_summary.csv, scans.csv, summary.json, report.html, scanscope.duckdb, parquet/.", Required = true };
        var filters = new FilterOptions();
        var bin = new Option<int>("--bin-seconds") { Description = "Bin width b in seconds.", DefaultValueFactory = _ => 300 };
        var uptime = new Option<double>("--uptime-threshold") { Description = "Uptime (0-1) at or above which an observer counts in |O|.", DefaultValueFactory = _ => 0.9 };
        var uptimePeriod = new Option<string>("--uptime-period") { Description = "Minutes per uptime period, or auto: the shortest period in which an observer that is up expects 3 packets (1 minute on a thesis-sized telescope).", DefaultValueFactory = _ => "auto" };
        var threads = new Option<int>("--threads") { Description = "Threads folding packets into features (sources are split between them by address, also within one file).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var heavy = new Option<double?>("--heavy-hitter-threshold") { Description = "Fixed coverage (destinations / |O|) from which a source is a heavy hitter (default: the knee of the coverage curve)." };
        var coverage = new Option<string>("--heavy-hitter-coverage") { Description = "total (destinations / |O| at the knee, thesis), per-port (most destinations on one port / |O| above 1/2), or auto: per-port with --algorithm siblings, else total.", DefaultValueFactory = _ => "auto" };
        coverage.AcceptOnlyFromAmong("auto", "total", "per-port");
        var sensitivity = new Option<double>("--knee-sensitivity") { Description = "Kneedle sensitivity S for the heavy-hitter knee.", DefaultValueFactory = _ => 1.0 };
        var clustering = new ClusteringCliOptions("siblings");
        var geoAsn = new Option<string?>("--geoip-asn") { Description = "MaxMind-format ASN database (GeoLite2-ASN.mmdb or ip-location-db)." };
        var geoCountry = new Option<string?>("--geoip-country") { Description = "MaxMind-format country database." };
        var geoDir = new Option<string?>("--geo-dir") { Description = "Folder written by 'scanscope geo fetch' (default: its default folder)." };
        var noReport = new Option<bool>("--no-report") { Description = "Skip report.html and the figures." };
        var probeMemory = new Option<string?>("--probe-memory") { Description = "Memory for the clustered sources' probes that the second pass holds at once, e.g. 512M or 8G (default: a quarter of the machine's memory); when every packet used fits half of it, the fold keeps them and the inputs are not read again; when the probes need more, the clusters are confirmed in rounds from one more read of the inputs, each round's probes spilled to a folder of the run's own in OUT or --spill-dir (18 bytes a probe, removed at the end)." };
        var spillDir = new Option<string?>("--spill-dir") { Description = "Where the second pass in rounds spills its probes (default: the output folder), e.g. a large scratch disk: up to 18 bytes per probe of a clustered source, in a hidden folder of the run's own (.scanscope-spill-PID-*) that is removed at the end; nothing else there is touched." };
        var clickhouse = new ClickHouseCliOptions("Compute the telescope model and the features in ClickHouse over the packets 'scanscope ingest --clickhouse' stored, at this HTTP URL");
        var resultPrefix = new Option<string>("--result-prefix") { Description = "With --clickhouse: write every result table back as PREFIX + name (e.g. scanscope_clusters).", DefaultValueFactory = _ => "scanscope_" };
        var command = new Command("analyze", "The whole pipeline: telescope model, per-source features, clustering, confirmation of every cluster, report, DuckDB and Parquet.")
        {
            inputs, store, output, bin, uptime, uptimePeriod, threads, heavy, coverage, sensitivity, geoAsn, geoCountry, geoDir, noReport, probeMemory, spillDir,
        };
        filters.AddTo(command);
        clustering.AddTo(command);
        clickhouse.AddTo(command);
        command.Options.Add(resultPrefix);
        // System.CommandLine's default exception handler would turn these into a stack trace and exit
        // code 1 before Cli.Run sees them, so the verb reports them itself.
        command.SetAction(parse =>
        {
            try
            {
                return Run(parse, inputs, store, output, filters, bin, uptime, uptimePeriod, threads, heavy, coverage, sensitivity, clustering, geoAsn, geoCountry, geoDir, noReport, probeMemory, spillDir, clickhouse, resultPrefix);
            }
            catch (Exception e) when (e is UsageException or CaptureFormatException or StorageException)
            {
                Console.Error.WriteLine($"scanscope: error: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    private static int Run(
        ParseResult parse, Argument<string[]> inputs, Option<string?> store, Option<string> output, FilterOptions filters, Option<int> bin,
        Option<double> uptime, Option<string> uptimePeriod, Option<int> threads, Option<double?> heavy, Option<string> coverage, Option<double> sensitivity, ClusteringCliOptions clustering,
        Option<string?> geoAsn, Option<string?> geoCountry, Option<string?> geoDir, Option<bool> noReport, Option<string?> probeMemory, Option<string?> spillDir, ClickHouseCliOptions clickhouse, Option<string> resultPrefix)
    {
        var probeBytes = parse.GetValue(probeMemory) is { } pm ? ParseSize("--probe-memory", pm) : PipelineSettings.DefaultProbeMemory();
        Storage.Results.ResultStore.CheckOutputDirectory(parse.GetValue(output)!);
        var given = parse.GetValue(inputs) ?? [];
        var storeDir = parse.GetValue(store);
        var fromClickHouse = (parse.GetValue(clickhouse.Urls) ?? []).Length > 0;
        if ((given.Length > 0 ? 1 : 0) + (storeDir is null ? 0 : 1) + (fromClickHouse ? 1 : 0) != 1)
        {
            throw new UsageException("give capture INPUTs, --store DIR or --clickhouse URL (exactly one of the three)");
        }

        if ((parse.GetValue(clickhouse.Urls) ?? []).Length > 1)
        {
            throw new UsageException("analyze talks to one ClickHouse server (the cluster's entry point): give --clickhouse once");
        }

        IReadOnlyList<PacketSource> sources = storeDir is not null
            ? [OpenStore(storeDir)]
            : [.. FilterOptions.ExpandInputs(given).Select(PacketSource.FromFile)];
        var filter = filters.Build(parse) ?? new PacketFilter();
        // Analyze features connection attempts unless told otherwise; the telescope and the time window
        // are the analysis' own (they set the observers and the bins), so they leave the predicate.
        var predicate = new PacketFilterPredicate(filter with { SynOnly = true, Telescope = null, FromNs = null, ToNs = null });

        // A bar on standard error for reads that take more than a couple of seconds (files only; the
        // packet store and ClickHouse report nothing to measure against).
        using var bar = storeDir is null && !fromClickHouse ? new Progress(FilterOptions.ExpandInputs(given).Where(f => f != "-").Sum(f => new FileInfo(f).Length)) : null;
        var options = new AnalysisOptions
        {
            BinSeconds = parse.GetValue(bin),
            UptimeThreshold = parse.GetValue(uptime),
            UptimePeriodMinutes = parse.GetValue(uptimePeriod) is "auto" or null ? null
                : int.TryParse(parse.GetValue(uptimePeriod), System.Globalization.NumberStyles.None, CultureInfo.InvariantCulture, out var k) && k >= 1 ? k
                : throw new UsageException($"--uptime-period: '{parse.GetValue(uptimePeriod)}' is neither auto nor a whole number of minutes"),
            Threads = parse.GetValue(threads),
            HeavyHitterThreshold = parse.GetValue(heavy),
            HeavyHitterCoverage = parse.GetValue(coverage) switch
            {
                "per-port" => HeavyHitterCoverage.PerPort,
                "total" => HeavyHitterCoverage.Total,
                _ => clustering.IsSiblings(parse) ? HeavyHitterCoverage.PerPort : HeavyHitterCoverage.Total,
            },
            KneeSensitivity = parse.GetValue(sensitivity),
            Telescope = filter.Telescope is { } t ? new TelescopeSpace([.. t.Prefixes.Select(p => TelescopeBlock.Parse(p.ToString()))]) : null,
            From = filter.FromNs is { } from ? DateTimeOffset.FromUnixTimeMilliseconds(from / 1_000_000) : null,
            To = filter.ToNs is { } to ? DateTimeOffset.FromUnixTimeMilliseconds(to / 1_000_000) : null,
            Filter = predicate,
            Progress = bar is null ? null : bar.For<AnalysisProgress>(p => p.Bytes),

            // Half the probe memory for the fold's log of every packet that made the features (14 B
            // each): when it fits, the second pass is served from it instead of reading the inputs again.
            ProbeLogBytes = fromClickHouse ? 0 : probeBytes / 2,
        };
        var prefix = parse.GetValue(resultPrefix)!;
        if (fromClickHouse && !Regex.IsMatch(prefix, "^[A-Za-z_][A-Za-z0-9_]{0,40}$"))
        {
            throw new UsageException($"--result-prefix: '{prefix}' must be letters, digits and '_' (not starting with a digit), at most 40 characters");
        }

        using var client = fromClickHouse ? new ClickHouseClient(clickhouse.Build(parse)) : null;
        AnalysisResult result;
        try
        {
            // In ClickHouse the feature filter is SQL built from the same criteria as the predicate.
            result = client is null ? Analysis.Run(sources, options) : ClickHouseAnalysis.Run(client, options, predicate.Filter);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }

        var dir = parse.GetValue(output)!;
        AnalysisWriter.Write(result, dir);
        foreach (var warning in result.Warnings)
        {
            Console.Error.WriteLine($"scanscope: warning: {warning}; wrote an empty result");
        }

        var tel = result.Telescope;
        Console.Error.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"scanscope: {result.Counters.Records} records, {result.Used} packets used, {result.Features.Count} sources ({result.HeavyHitters.Count} heavy hitters), |O| = {tel.ActiveObservers} of {tel.Observers} observers, {tel.OutageMinutes} outage minutes"));
        var geo = new GeoOptions { AsnDatabase = parse.GetValue(geoAsn), CountryDatabase = parse.GetValue(geoCountry), DataDirectory = parse.GetValue(geoDir) };
        var settings = new PipelineSettings { Clustering = clustering.Build(parse, options.BinSeconds), Geo = geo, Report = !parse.GetValue(noReport), ProbeMemoryBytes = probeBytes };
        if (client is null)
        {
            if (result.Probes is { } log)
            {
                using (log)
                {
                    AnalyzePipeline.Run(result, (rounds, r) => log.Collect(rounds[r], result.Features, result.Telescope.Space), dir, settings with { ProbesFrom = "memory" }, Console.Error);
                }
            }
            else
            {
                // One round of one input that cannot be sliced: read it for that round. Otherwise the
                // inputs are read once, on up to --threads units at once (inputs, or slices of one large
                // pcap file), each round's probes spilled per unit.
                ProbeSpill? spill = null;
                try
                {
                    AnalyzePipeline.Run(
                        result,
                        (all, r) => all.Count == 1 && sources.Count == 1 && !ProbeSpill.ReadsInSlices(sources, options.Threads)
                            ? AnalyzePipeline.CollectEvents(sources, predicate, result, all[0])
                            : (spill ??= new ProbeSpill(parse.GetValue(spillDir) ?? dir, all) { Threads = options.Threads }).Collect(r, sources, predicate, result),
                        dir,
                        settings,
                        Console.Error);
                }
                finally
                {
                    spill?.Dispose();
                }
            }
        }
        else
        {
            settings = settings with { ExportTable = (name, columns, rows) => ClickHouseResults.WriteTable(client, prefix + name, columns, rows) };
            AnalyzePipeline.Run(result, (rounds, r) => ClickHouseAnalysis.Events(client, result, predicate.Filter, rounds[r].Keys), dir, settings with { ProbesFrom = "clickhouse" }, Console.Error);
            Console.Error.WriteLine($"scanscope: wrote the result tables to {ClickHouseAnalysis.Describe(client)}'s database as {prefix}*");
        }

        Console.Error.WriteLine($"scanscope: wrote {dir}{(parse.GetValue(noReport) ? string.Empty : $" (report: {Path.Combine(dir, "report.html")})")}");
        return 0;
    }

    /// <summary>A size in bytes: a whole number with an optional K, M, G or T suffix (powers of 1,024).</summary>
    internal static long ParseSize(string option, string text)
    {
        var m = Regex.Match(text.Trim(), "^([0-9]{1,15})([KMGT]?)i?B?$", RegexOptions.IgnoreCase);
        if (!m.Success)
        {
            throw new UsageException($"{option}: '{text}' is not a size (a whole number of bytes, or with K, M, G or T, e.g. 512M)");
        }

        var shift = m.Groups[2].Value.ToUpperInvariant() switch { "K" => 10, "M" => 20, "G" => 30, "T" => 40, _ => 0 };
        var value = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return value == 0 || value > (long.MaxValue >> shift)
            ? throw new UsageException($"{option}: '{text}' must be above zero and below 8 EiB")
            : value << shift;
    }

    private static PacketSource OpenStore(string dir)
    {
        try
        {
            var store = Storage.Packets.PacketStore.Open(dir);
            return new PacketSource(dir, store.OpenReader);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Storage.StorageException)
        {
            throw new UsageException($"{dir}: {e.Message}");
        }
    }
}
