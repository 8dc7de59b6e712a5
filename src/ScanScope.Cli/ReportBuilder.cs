using System.Globalization;
using ScanScope.Clustering;
using ScanScope.Confirmation;
using ScanScope.Pipeline;
using ScanScope.Reporting;

namespace ScanScope.Cli;

/// <summary>Turns the results of every stage into the report's plain data model.</summary>
internal static class ReportBuilder
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static ReportModel Build(AnalysisResult features, FeatureTable table, ClusteringOutcome? outcome, ConfirmationResult confirmation, IReadOnlyDictionary<int, ActivityFigure?> activity, PipelineSettings settings, Enrichment.IIpEnricher? enricher)
    {
        var tel = features.Telescope;
        var labels = outcome?.Labels ?? [];
        var clusterCount = outcome?.ClusterCount ?? 0;
        var facts = new List<KeyValuePair<string, string>>
        {
            new("capture records", N(features.Counters.Records)),
            new("packets used", N(features.Used)),
            new("sources", N(features.Features.Count)),
            new("active observers |O|", $"{N(tel.ActiveObservers)} of {N(tel.Observers)}"),
            new("outage minutes", N(tel.OutageMinutes)),
            new("heavy hitters", N(features.HeavyHitters.Count)),
            new("clusters", N(clusterCount)),
            new("noise sources", N(labels.Count(l => l == -1))),
        };
        if (outcome?.Dbscan is { } db)
        {
            facts.Add(new("DBSCAN eps / min_samples", $"{db.Eps.ToString("G4", Inv)} / {db.MinSamples}"));
        }

        var tables = new List<ReportTable>
        {
            new("Clusters by category", ["category", "clusters", "sources"],
                [.. confirmation.Clusters.GroupBy(c => c.Summary.Category).OrderByDescending(g => g.Count())
                    .Select(g => (IReadOnlyList<string>)[g.Key, N(g.Count()), N(g.Sum(c => c.Summary.Sources))])]),
            TopPorts(features),
            TopOrigins(confirmation, enricher, country: true),
            TopOrigins(confirmation, enricher, country: false),
            new("Observer uptime classes (thesis table 4.1)", ["uptime", "observers", "mean uptime"],
                [.. tel.UptimeClasses.Select(u => (IReadOnlyList<string>)[u.Label, N(u.Observers), u.MeanUptime.ToString("P1", Inv)])]),
            new("Cluster summary", ["cluster", "category", "sources", "/24s", "E[H]", "Jaccard", "ports", "verdict"],
                [.. confirmation.Clusters.Select(c => (IReadOnlyList<string>)[
                    N(c.ClusterId), c.Summary.Category, N(c.Summary.Sources), N(c.Summary.Slash24),
                    c.Summary.ExpectedHosts.ToString("0.#", Inv), c.Summary.Jaccard.ToString("0.####", Inv), Truncate(c.Summary.Ports, 40), c.Summary.Verdict])]),
        };
        if (confirmation.MergeSuggestions.Count > 0)
        {
            var merge = ConfirmationTables.MergeSuggestions(confirmation.MergeSuggestions);
            tables.Add(new ReportTable("Clusters that look like one group seen apart", merge.Columns, [.. merge.Rows.Select(r => (IReadOnlyList<string>)[.. r.Select(Cell)])]));
        }

        return new ReportModel
        {
            Title = "ScanScope report",
            Inputs = features.Inputs,
            WindowStart = features.WindowStartNs / 1e9,
            WindowEnd = features.WindowEndNs / 1e9,
            Facts = facts,
            OverviewTables = tables,
            Coverage = CoverageCurve(features),
            KDistance = outcome?.Dbscan?.Curve is { } curve ? KDistanceCurve(curve, outcome.Dbscan.Eps) : null,
            ObserversPerDay = Daily(tel),
            Embedding = Embedding(table, outcome, settings.TsneMaxPoints),
            Clusters = [.. confirmation.Clusters.Select(c => Section(c, activity.GetValueOrDefault(c.ClusterId)))],
            Attributions = confirmation.Attributions,
        };
    }

    /// <summary>Thesis tables 6.2 and 6.3: share of the clustered (scan) sources per country or organization.</summary>
    private static ReportTable TopOrigins(ConfirmationResult confirmation, Enrichment.IIpEnricher? enricher, bool country)
    {
        var title = country ? "Countries of scan sources (thesis table 6.2)" : "Organizations of scan sources (thesis table 6.3)";
        var column = country ? "country" : "organization";
        if (enricher is null || (country ? !enricher.HasCountry : !enricher.HasAsn))
        {
            return new ReportTable(title, [column, "share"], [["unknown", "1"]], "No database: run `scanscope geo fetch` or pass --geoip-country / --geoip-asn.");
        }

        var sources = confirmation.Clusters.SelectMany(c => c.Sources).ToArray();
        var names = sources.Select(a => enricher.Lookup(a)).Select(i => (country ? i.Country : i.OrganizationLabel) ?? "unknown").ToArray();
        var rows = names.GroupBy(n => n).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Take(12)
            .Select(g => (IReadOnlyList<string>)[g.Key, (g.Count() / (double)Math.Max(1, names.Length)).ToString("0.00", Inv)]).ToList();
        return new ReportTable(title, [column, "share"], rows, $"{N(sources.Length)} sources in clusters.");
    }

    /// <summary>
    /// Thesis table 6.1: the most targeted ports of all sources beside those of ZMap sources, by volume as the thesis
    /// ranks them. The volume is the probes to distinct destinations (per source and port: its unique destinations on
    /// that port, which is its packets there less retries), summed over sources.
    /// </summary>
    private static ReportTable TopPorts(AnalysisResult features)
    {
        static List<(ushort Port, long Probes, int Sources)> Rank(IEnumerable<Features.FeatureRow> rows)
        {
            var probes = new Dictionary<ushort, (long Probes, int Sources)>();
            foreach (var f in rows)
            {
                for (var i = 0; i < f.PortList.Count; i++)
                {
                    var (p, n) = probes.GetValueOrDefault(f.PortList[i]);
                    probes[f.PortList[i]] = (p + f.PortDestinations[i], n + 1);
                }
            }

            return [.. probes.OrderByDescending(kv => kv.Value.Probes).ThenBy(kv => kv.Key).Take(20).Select(kv => (kv.Key, kv.Value.Probes, kv.Value.Sources))];
        }

        var all = Rank(features.Features);
        var zmap = Rank(features.Features.Where(f => f.Tools.Any(t => t is Packets.Toolchain.ZMap or Packets.Toolchain.ZMapRandomId)));
        var rows = Enumerable.Range(0, Math.Max(all.Count, zmap.Count)).Select(i => (IReadOnlyList<string>)
        [
            i < all.Count ? all[i].Port.ToString(Inv) : string.Empty, i < all.Count ? N(all[i].Probes) : string.Empty, i < all.Count ? N(all[i].Sources) : string.Empty,
            i < zmap.Count ? zmap[i].Port.ToString(Inv) : string.Empty, i < zmap.Count ? N(zmap[i].Probes) : string.Empty, i < zmap.Count ? N(zmap[i].Sources) : string.Empty,
        ]).ToList();
        return new ReportTable("Most targeted ports: all sources and ZMap sources (thesis table 6.1)", ["port", "probes", "sources", "ZMap port", "ZMap probes", "ZMap sources"], rows,
            "Probes = distinct destinations per source and port (packets less retries), summed over the featured sources (ports beyond a source's port-list limit are not counted); ZMap = IP ID 54321 or the ZMap 4.x header layout.");
    }

    private static CurveFigure CoverageCurve(AnalysisResult features)
    {
        var sorted = features.Features.Select(f => f.Coverage).Where(double.IsFinite).Order().ToArray();
        var step = Math.Max(1, sorted.Length / 2000);
        var xs = new List<double>();
        var ys = new List<double>();
        for (var i = 0; i < sorted.Length; i += step)
        {
            xs.Add(i);
            ys.Add(sorted[i]);
        }

        if (sorted.Length > 0 && xs[^1] != sorted.Length - 1)
        {
            xs.Add(sorted.Length - 1);
            ys.Add(sorted[^1]);
        }

        var hh = features.HeavyHitters;
        return new CurveFigure
        {
            Id = "coverage",
            Title = "Coverage of the telescope per source (thesis figure 6.1)",
            XLabel = "sources, sorted",
            YLabel = "destinations / |O|",
            Series = [new Series("coverage", xs, ys)],
            HorizontalGuides = double.IsFinite(hh.Threshold) ? [new Guide(hh.Threshold, $"heavy hitters ≥ {hh.Threshold:0.###} ({(hh.FromKnee ? "knee" : "fixed")})")] : [],
            Caption = "Sources past the line are heavy hitters (cluster −2) and are set aside before scaling.",
        };
    }

    private static CurveFigure KDistanceCurve(KDistanceCurve curve, double eps)
    {
        var sorted = curve.Sorted;
        var step = Math.Max(1, sorted.Length / 2000);
        var xs = new List<double>();
        var ys = new List<double>();
        for (var i = 0; i < sorted.Length; i += step)
        {
            xs.Add(i);
            ys.Add(sorted[i]);
        }

        return new CurveFigure
        {
            Id = "k-distance",
            Title = $"Sorted {curve.K}-distance curve",
            XLabel = "points, sorted",
            YLabel = "distance to the k-th neighbour (scaled)",
            Series = [new Series($"{curve.K}-distance", xs, ys)],
            HorizontalGuides = [new Guide(eps, $"eps = {eps.ToString("G4", Inv)}")],
            Caption = "DBSCAN's eps is taken just below the knee of this curve (Kneedle).",
        };
    }

    private static CurveFigure? Daily(Telescope.TelescopeModel tel)
    {
        if (tel.Daily.Count == 0)
        {
            return null;
        }

        var series = tel.Daily.GroupBy(d => d.Subnet).OrderBy(g => g.Key.ToString(), StringComparer.Ordinal).Take(12).Select(g =>
        {
            var days = g.OrderBy(d => d.Day).ToArray();
            return new Series(g.Key.ToString(), [.. days.Select(d => (double)d.Day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).Subtract(DateTime.UnixEpoch).TotalSeconds)], [.. days.Select(d => (double)d.ActiveObservers)]);
        }).ToArray();
        return new CurveFigure
        {
            Id = "observers",
            Title = "Active observers per day (thesis figure 4.1)",
            XIsTime = true,
            XLabel = "day",
            YLabel = "observers that received a packet",
            Series = series,
            Caption = "Per telescope block. Days with few observers are downtime of the telescope or of its observers.",
        };
    }

    private static EmbeddingFigure? Embedding(FeatureTable table, ClusteringOutcome? outcome, int maxPoints)
    {
        if (outcome is null)
        {
            return null;
        }

        // Clustered sources first, then a sample of the noise, up to maxPoints, in a fixed order.
        var rows = Enumerable.Range(0, outcome.Labels.Length).Where(i => outcome.Labels[i] >= 0).ToList();
        var noise = Enumerable.Range(0, outcome.Labels.Length).Where(i => outcome.Labels[i] == -1).ToList();
        var room = Math.Max(0, maxPoints - rows.Count);
        rows.AddRange(noise.Where((_, k) => noise.Count <= room || k % Math.Max(1, noise.Count / Math.Max(1, room)) == 0).Take(room));
        rows = [.. rows.Take(maxPoints)];
        if (rows.Count < 5)
        {
            return null;
        }

        var scaled = outcome.Scaler.Transform(table.Features);
        var d = scaled.Columns;
        var data = new double[rows.Count * d];
        for (var r = 0; r < rows.Count; r++)
        {
            Array.Copy(scaled.Data, rows[r] * d, data, r * d, d);
        }

        var embedding = Tsne.Embed(new FeatureMatrix(data, rows.Count, d), new TsneOptions { Seed = 1, Perplexity = Math.Min(30, (rows.Count - 1) / 3.0) });
        return new EmbeddingFigure(
            [.. Enumerable.Range(0, rows.Count).Select(r => embedding.Data[2 * r])],
            [.. Enumerable.Range(0, rows.Count).Select(r => embedding.Data[(2 * r) + 1])],
            [.. rows.Select(r => outcome.Labels[r])],
            [.. rows.Select(r => $"{table.Sources[r]} · cluster {outcome.Labels[r]}")]);
    }

    /// <summary>
    /// A cluster's activity figure (probes per bin and port, one row per host by first probe), made
    /// while its probes are in memory; at most <paramref name="maxPoints"/> cells. Null without probes.
    /// </summary>
    public static ActivityFigure? Activity(ClusterConfirmation c, IReadOnlyDictionary<uint, SourceEvents> events, AnalysisResult features, int maxPoints)
    {
        var binNs = features.Options.BinSeconds * 1_000_000_000L;
        var rows = c.Sources.OrderBy(a => events.TryGetValue(a, out var e) && e.Count > 0 ? e.TimesNs[0] : long.MaxValue).ToArray();
        var time = new List<double>();
        var row = new List<int>();
        var port = new List<int>();
        var count = new List<int>();
        for (var r = 0; r < rows.Length && time.Count < maxPoints; r++)
        {
            if (!events.TryGetValue(rows[r], out var e))
            {
                continue;
            }

            var cells = new Dictionary<(long Bin, ushort Port), int>();
            for (var i = 0; i < e.Count; i++)
            {
                var key = (Math.DivRem(e.TimesNs[i] - features.WindowStartNs, binNs, out _), e.Ports[i]);
                cells[key] = cells.GetValueOrDefault(key) + 1;
            }

            foreach (var ((bin, p), n) in cells.OrderBy(kv => kv.Key.Bin))
            {
                time.Add((features.WindowStartNs + (bin * binNs)) / 1e9);
                row.Add(r);
                port.Add(p);
                count.Add(n);
            }
        }

        return time.Count == 0 ? null : new ActivityFigure
        {
            Rows = [.. rows.Select(a => ConfirmationTables.Address(a))],
            Time = time,
            Row = row,
            Port = port,
            Count = count,
        };
    }

    private static ClusterSection Section(ClusterConfirmation c, ActivityFigure? activity)
    {
        var s = c.Summary;
        var scans = ConfirmationTables.Scans(c.ScanRows);
        return new ClusterSection
        {
            Id = c.ClusterId,
            Category = s.Category,
            Verdict = s.Verdict,
            Facts =
            [
                new("sources", N(s.Sources)),
                new("/8 · /16 · /24", $"{s.Slash8} · {s.Slash16} · {s.Slash24}"),
                new("countries", s.Countries?.ToString(Inv) ?? "unknown"),
                new("organizations", s.Organizations?.ToString(Inv) ?? "unknown"),
                new("expected hosts E[H]", s.ExpectedHosts.ToString("0.#", Inv)),
                new("Jaccard (one scan)", s.Jaccard.ToString("0.####", Inv)),
                new("scans", N(s.Scans)),
                new("ports", Truncate(s.Ports, 60)),
            ],
            Scans = new ReportTable("Scans", scans.Columns, [.. scans.Rows.Select(r => (IReadOnlyList<string>)[.. r.Select(Cell)])]),
            Activity = activity,
        };
    }

    private static string Cell(object? v) => v switch
    {
        null => string.Empty,
        double d => d.ToString("0.####", Inv),
        DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss", Inv),
        IFormattable f => f.ToString(null, Inv),
        _ => v.ToString() ?? string.Empty,
    };

    private static string N(long v) => v.ToString("N0", Inv);

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
