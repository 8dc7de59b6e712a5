using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ScanScope.Clustering;

namespace ScanScope.Cli;

/// <summary>
/// <c>scanscope cluster --features features.csv --out DIR</c>: the clustering stage on its own. Writes
/// <c>clusters.csv</c> (src_ip,cluster_id,…), <c>k_distance.csv</c> (the sorted k-distance curve, when eps is
/// automatic) and <c>clustering.json</c> (parameters chosen and why).
/// </summary>
internal static class ClusterCommand
{
    public static Command Create()
    {
        var features = new Option<FileInfo>("--features") { Description = "features.csv (src_ip, then feature columns, unscaled)", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "output directory", Required = true };
        var clustering = new ClusteringCliOptions("dbscan");
        var bin = new Option<int>("--bin-seconds") { Description = "bin width b of the features (the sibling tolerances count in bins)", DefaultValueFactory = _ => 300 };
        var columns = new Option<string?>("--columns") { Description = "comma-separated feature columns (default destinations,period,start,activity,ports)" };
        var command = new Command("cluster", "Scale the feature table and cluster the sources (DBSCAN, HDBSCAN or siblings); write clusters.csv.")
        {
            features, output, columns, bin,
        };
        clustering.AddTo(command);
        command.SetAction(parse =>
        {
            var file = parse.GetValue(features)!;
            var columnNames = ParseList(parse.GetValue(columns), s => s, "--columns");
            var table = EvaluateCommand.Read(file, path => FeatureTable.Read(path, columnNames));
            var options = clustering.Build(parse, parse.GetValue(bin));
            SiblingTable? siblings = null;
            if (options.Algorithm == ClusteringAlgorithm.Siblings)
            {
                // The sibling algorithm's own heavy-hitter rule: more than half the telescope on one port.
                siblings = EvaluateCommand.Read(file, SiblingTable.Read);
                table = table with { HeavyHitter = [.. siblings.PerPortCoverage.Select(c => c > Features.HeavyHitters.PerPortThreshold)] };
            }

            if (options.Weights is { } weightValues && weightValues.Count != table.Features.Columns)
            {
                throw new UsageException($"--weights: {weightValues.Count} weights for {table.Features.Columns} features");
            }

            ClusteringOutcome outcome;
            try
            {
                outcome = SourceClustering.Run(table.Features, table.HeavyHitter, options, siblings?.Sources);
            }
            catch (ArgumentException ex)
            {
                throw new UsageException($"{file.FullName}: {ex.Message}");
            }

            var dir = parse.GetValue(output)!;
            dir.Create();
            Write(dir, "clusters.csv", ClustersCsv(table, outcome));
            if (outcome.Dbscan?.Curve is { } curve)
            {
                Write(dir, "k_distance.csv", CurveCsv(curve));
            }

            Write(dir, "clustering.json", Summary(file, table, options, outcome));
            var noise = outcome.Labels.Count(l => l == -1);
            var heavy = outcome.Labels.Count(l => l == -2);
            parse.InvocationConfiguration.Output.WriteLine($"{table.Sources.Length} sources: {outcome.ClusterCount} clusters, {noise} noise, {heavy} heavy hitters set aside; wrote {Path.Combine(dir.FullName, "clusters.csv")}");
            return 0;
        });
        return command;
    }

    private static List<T>? ParseList<T>(string? text, Func<string, T> parse, string option)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return text.Split(',').Select(s => parse(s.Trim())).ToList();
        }
        catch (FormatException)
        {
            throw new UsageException($"{option}: cannot read '{text}'");
        }
    }

    internal static string ClustersCsv(FeatureTable table, ClusteringOutcome outcome)
    {
        var sb = new StringBuilder();
        var hdbscan = outcome.Hdbscan;
        sb.Append(hdbscan is null ? "src_ip,cluster_id,core\n" : "src_ip,cluster_id,probability,outlier_score\n");
        var rowOf = new int[table.Sources.Length];
        Array.Fill(rowOf, -1);
        for (var k = 0; k < outcome.Clustered.Length; k++)
        {
            rowOf[outcome.Clustered[k]] = k;
        }

        for (var i = 0; i < table.Sources.Length; i++)
        {
            var k = rowOf[i];
            sb.Append(CultureInfo.InvariantCulture, $"{table.Sources[i]},{outcome.Labels[i]},");
            if (hdbscan is null)
            {
                sb.Append(k >= 0 && outcome.Dbscan!.IsCore[k] ? '1' : '0');
            }
            else
            {
                sb.Append(CultureInfo.InvariantCulture, $"{(k >= 0 ? hdbscan.Probabilities[k] : 0):G6},{(k >= 0 ? hdbscan.OutlierScores[k] : 0):G6}");
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    internal static string CurveCsv(KDistanceCurve curve)
    {
        var sb = new StringBuilder("rank,k_distance\n");
        for (var i = 0; i < curve.Sorted.Length; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{i},{curve.Sorted[i]:R}\n");
        }

        return sb.ToString();
    }

    private static string Summary(FileInfo file, FeatureTable table, ClusteringOptions options, ClusteringOutcome outcome)
    {
        var d = outcome.Dbscan;
        var h = outcome.Hdbscan;
        var document = new JsonObject
        {
            ["features"] = file.FullName,
            ["sources"] = table.Sources.Length,
            ["heavy_hitters_set_aside"] = outcome.Labels.Count(l => l == -2),
            ["columns"] = table.Features.ColumnNames is { } names ? JsonText.Array(names) : null,
            ["scaler"] = new JsonObject
            {
                ["kind"] = options.Scaler.ToString().ToLowerInvariant(),
                ["center"] = JsonText.Array(outcome.Scaler.Center),
                ["scale"] = JsonText.Array(outcome.Scaler.Scale),
                ["weights"] = JsonText.Array(outcome.Scaler.Weights),
            },
            ["algorithm"] = options.Algorithm.ToString().ToLowerInvariant(),
            ["dbscan"] = d is null ? null : new JsonObject
            {
                ["eps"] = d.Eps,
                ["min_samples"] = d.MinSamples,
                ["eps_reason"] = d.EpsReason,
                ["knee_rank"] = d.Curve?.KneeIndex,
                ["knee_distance"] = d.Curve is { KneeIndex: >= 0 } c ? c.KneeDistance : null,
                ["knee_factor"] = options.Dbscan.Eps is null ? options.Dbscan.KneeFactor : null,
            },
            ["hdbscan"] = h is null ? null : new JsonObject { ["min_cluster_size"] = h.MinClusterSize, ["min_samples"] = h.MinSamples },
            ["clusters"] = outcome.ClusterCount,
            ["noise"] = outcome.Labels.Count(l => l == -1),
        };
        return JsonText.Indented(document);
    }

    /// <summary>Writes to a temporary name in the same directory, then renames, so a reader never sees half a file.</summary>
    private static void Write(DirectoryInfo dir, string name, string text)
    {
        var path = Path.Combine(dir.FullName, name);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}
