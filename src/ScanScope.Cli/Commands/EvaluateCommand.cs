using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using ScanScope.Evaluation;

namespace ScanScope.Cli;

/// <summary><c>scanscope evaluate --truth labels.csv --clusters clusters.csv [--summary cluster_summary.csv] [--json]</c>: clustering and category quality against ground truth.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var truth = new Option<FileInfo>("--truth") { Description = "labels.csv from simulate (src_ip,group_id,category,tool)", Required = true };
        var clusters = new Option<FileInfo>("--clusters") { Description = "clusters.csv from analyze or cluster (src_ip,cluster_id)", Required = true };
        var summary = new Option<FileInfo?>("--summary")
        {
            Description = "cluster_summary.csv from analyze, to score each group's scanning category (default: the one beside --clusters, when there is one)",
        };
        var json = new Option<bool>("--json") { Description = "print the full report as JSON" };
        var command = new Command("evaluate", "Print ARI, AMI, homogeneity, completeness, heavy-hitter precision/recall and groups recovered against ground truth.")
        {
            truth, clusters, summary, json,
        };
        command.SetAction(parse =>
        {
            var clustersFile = parse.GetValue(clusters)!;
            var report = GroundTruthEvaluation.Evaluate(
                Read(parse.GetValue(truth)!, EvaluationFiles.ReadTruth),
                Read(clustersFile, EvaluationFiles.ReadClusters));
            IReadOnlyList<CategoryOutcome>? categories = null;
            if (parse.GetValue(summary) is { } given)
            {
                categories = GroundTruthEvaluation.Categories(report, Read(given, EvaluationFiles.ReadClusterCategories));
            }
            else if (new FileInfo(Path.Combine(clustersFile.DirectoryName ?? ".", "cluster_summary.csv")) is { Exists: true } beside)
            {
                // Found, not asked for: a file that is not analyze's summary costs the category lines, not the run.
                try
                {
                    categories = GroundTruthEvaluation.Categories(report, EvaluationFiles.ReadClusterCategories(beside.FullName));
                }
                catch (FormatException e)
                {
                    parse.InvocationConfiguration.Error.WriteLine($"scanscope: warning: categories not scored: {e.Message}");
                }
            }

            parse.InvocationConfiguration.Output.Write(parse.GetValue(json) ? ToJson(report, categories) : ToText(report, categories));
            return 0;
        });
        return command;
    }

    internal static T Read<T>(FileInfo file, Func<string, T> read)
    {
        if (!file.Exists)
        {
            throw new UsageException($"{file.FullName}: no such file");
        }

        try
        {
            return read(file.FullName);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    internal static string ToText(EvaluationReport r, IReadOnlyList<CategoryOutcome>? categories = null)
    {
        var w = new StringWriter(CultureInfo.InvariantCulture);
        w.WriteLine($"sources            {r.Sources} (missing from clusters: {r.MissingFromClusters}, in clusters but not in truth: {r.NotInTruth})");
        w.WriteLine($"ARI                {r.AdjustedRandIndex:F4}");
        w.WriteLine($"AMI                {r.AdjustedMutualInformation:F4}");
        w.WriteLine($"homogeneity        {r.Homogeneity:F4}");
        w.WriteLine($"completeness       {r.Completeness:F4}");
        w.WriteLine($"V-measure          {r.VMeasure:F4}");
        w.WriteLine($"heavy hitters      precision {Share(r.HeavyHitterPrecision)}, recall {Share(r.HeavyHitterRecall)} (flagged {r.HeavyHittersFlagged}, true {r.HeavyHittersTrue})");
        w.WriteLine($"groups recovered   {r.GroupsRecovered} of {r.Groups}{(r.Groups > 0 ? $" ({100.0 * r.GroupsRecovered / r.Groups:F1}%)" : string.Empty)}");
        foreach (var c in r.PerCategory)
        {
            w.WriteLine($"  {c.Category,-24} {c.Recovered,5} of {c.Groups,-5} groups ({c.Sources} sources)");
        }

        var missed = r.GroupOutcomes.Where(g => !g.Recovered).ToArray();
        if (missed.Length > 0)
        {
            w.WriteLine("groups missed (group: sources, best cluster holds / cluster size)");
            foreach (var g in missed)
            {
                w.WriteLine($"  {g.GroupId} {g.Category}: {g.Sources}, {(g.BestCluster < 0 ? "no cluster" : $"cluster {g.BestCluster} holds {g.InBestCluster} / {g.BestClusterSize}")}");
            }
        }

        if (categories is not null)
        {
            w.WriteLine($"categories right   {categories.Count(c => c.Right)} of {categories.Count} groups (the category of the cluster holding most of each group)");
            foreach (var c in categories.Where(c => !c.Right))
            {
                w.WriteLine($"  group {c.GroupId} {c.Category}: cluster {c.Cluster} called {c.ClusterCategory}");
            }
        }

        return w.ToString();
    }

    private static string Share(double v) => double.IsNaN(v) ? "n/a" : v.ToString("F3", CultureInfo.InvariantCulture);

    private static string ToJson(EvaluationReport r, IReadOnlyList<CategoryOutcome>? categories)
    {
        static double? Num(double v) => double.IsNaN(v) ? null : v;
        var document = new JsonObject
        {
            ["sources"] = r.Sources,
            ["missing_from_clusters"] = r.MissingFromClusters,
            ["not_in_truth"] = r.NotInTruth,
            ["ari"] = r.AdjustedRandIndex,
            ["ami"] = r.AdjustedMutualInformation,
            ["homogeneity"] = r.Homogeneity,
            ["completeness"] = r.Completeness,
            ["v_measure"] = r.VMeasure,
            ["heavy_hitters"] = new JsonObject
            {
                ["truth"] = r.HeavyHittersTrue,
                ["flagged"] = r.HeavyHittersFlagged,
                ["precision"] = Num(r.HeavyHitterPrecision),
                ["recall"] = Num(r.HeavyHitterRecall),
            },
            ["groups"] = r.Groups,
            ["groups_recovered"] = r.GroupsRecovered,
            ["per_category"] = JsonText.Array(r.PerCategory, c => new JsonObject
            {
                ["category"] = c.Category, ["groups"] = c.Groups, ["recovered"] = c.Recovered, ["sources"] = c.Sources,
            }),
            ["group_outcomes"] = JsonText.Array(r.GroupOutcomes, g => new JsonObject
            {
                ["group_id"] = g.GroupId, ["category"] = g.Category, ["sources"] = g.Sources, ["best_cluster"] = g.BestCluster,
                ["in_best_cluster"] = g.InBestCluster, ["best_cluster_size"] = g.BestClusterSize, ["recovered"] = g.Recovered,
            }),
            ["categories"] = categories is null ? null : JsonText.Array(categories, c => new JsonObject
            {
                ["group_id"] = c.GroupId, ["category"] = c.Category, ["cluster"] = c.Cluster, ["cluster_category"] = c.ClusterCategory, ["right"] = c.Right,
            }),
            ["categories_right"] = categories?.Count(c => c.Right),
        };
        return JsonText.Indented(document);
    }
}
