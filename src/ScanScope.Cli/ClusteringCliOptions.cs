using System.CommandLine;
using System.Globalization;
using ScanScope.Clustering;

namespace ScanScope.Cli;

/// <summary>The clustering options, defined once for <c>cluster</c> and <c>analyze</c>.</summary>
internal sealed class ClusteringCliOptions
{
    /// <param name="defaultAlgorithm">siblings for analyze (the best mode); dbscan for cluster, which also takes feature tables without the extras siblings need.</param>
    public ClusteringCliOptions(string defaultAlgorithm)
    {
        Algorithm = new("--algorithm")
        {
            Description = "siblings (DBSCAN over the relation 'could be shards of one scan', the best mode; docs/clustering.md), dbscan (the thesis: robust scaling, eps at the k-distance knee) or hdbscan",
            DefaultValueFactory = _ => defaultAlgorithm,
        };
        Algorithm.AcceptOnlyFromAmong("dbscan", "hdbscan", "siblings");
        Scaler.AcceptOnlyFromAmong("robust", "standard", "none");
    }

    public Option<string> Algorithm { get; }

    public Option<string> Eps { get; } = new("--eps") { Description = "DBSCAN radius, or auto: knee of the sorted k-distance curve x --knee-factor", DefaultValueFactory = _ => "auto" };

    public Option<double> KneeFactor { get; } = new("--knee-factor") { Description = "automatic eps = knee distance x this factor", DefaultValueFactory = _ => new DbscanOptions().KneeFactor };

    public Option<int?> MinSamples { get; } = new("--min-samples") { Description = "DBSCAN: neighbours (itself included) of a core point, default 2 x features; HDBSCAN: core distance rank, default --min-cluster-size; siblings: siblings of a core source, default 3" };

    public Option<int> MinClusterSize { get; } = new("--min-cluster-size") { Description = "HDBSCAN: fewest sources in a cluster", DefaultValueFactory = _ => new HdbscanOptions().MinClusterSize };

    public Option<string> Scaler { get; } = new("--scaler") { Description = "robust (median/IQR, thesis), standard, or none", DefaultValueFactory = _ => "robust" };

    public Option<string?> Weights { get; } = new("--weights") { Description = "comma-separated weight per feature, multiplied in after scaling" };

    public Option<double> SiblingSigmas { get; } = new("--sibling-sigmas") { Description = "siblings: sampling deviations allowed between two shards' counts (destinations per port, active bins)", DefaultValueFactory = _ => new SiblingOptions().Sigmas };

    public Option<double> SiblingPeriod { get; } = new("--sibling-period-tolerance") { Description = "siblings: largest log ratio of two shards' periods", DefaultValueFactory = _ => new SiblingOptions().PeriodTolerance };

    public Option<double> SiblingStartGaps { get; } = new("--sibling-start-gaps") { Description = "siblings: first packets may differ by the launch skew + this many mean gaps between packets", DefaultValueFactory = _ => new SiblingOptions().StartGaps };

    public Option<double> SiblingLaunchSkew { get; } = new("--sibling-launch-skew") { Description = "siblings: seconds between the launches of two shards of one scan", DefaultValueFactory = _ => new SiblingOptions().LaunchSkewSeconds };

    public Option<double> SiblingPortJaccard { get; } = new("--sibling-port-jaccard") { Description = "siblings: least Jaccard index of two shards' port lists", DefaultValueFactory = _ => new SiblingOptions().PortJaccard };

    public Option<int> Threads { get; } = new("--cluster-threads") { Description = "threads for neighbour queries (-1 = all cores)", DefaultValueFactory = _ => -1 };

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in new Option[] { Algorithm, Eps, KneeFactor, MinSamples, MinClusterSize, Scaler, Weights, SiblingSigmas, SiblingPeriod, SiblingStartGaps, SiblingLaunchSkew, SiblingPortJaccard, Threads })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>True when the sibling algorithm was chosen (it brings its own heavy-hitter rule).</summary>
    public bool IsSiblings(ParseResult parse) => parse?.GetValue(Algorithm) == "siblings";

    /// <summary>The options; <paramref name="binSeconds"/> is the features' bin width (the sibling tolerances count in bins).</summary>
    public ClusteringOptions Build(ParseResult parse, int binSeconds)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var epsText = parse.GetValue(Eps)!;
        double? eps = epsText == "auto" ? null
            : double.TryParse(epsText, NumberStyles.Float, CultureInfo.InvariantCulture, out var e) && e >= 0 ? e
            : throw new UsageException($"--eps: '{epsText}' is neither auto nor a non-negative number");
        var weights = parse.GetValue(Weights) is { } w
            ? w.Split(',', StringSplitOptions.TrimEntries).Select(s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new UsageException($"--weights: '{s}' is not a number")).ToList()
            : null;
        var threads = parse.GetValue(Threads);
        return new ClusteringOptions
        {
            Algorithm = parse.GetValue(Algorithm) switch { "hdbscan" => ClusteringAlgorithm.Hdbscan, "siblings" => ClusteringAlgorithm.Siblings, _ => ClusteringAlgorithm.Dbscan },
            Scaler = parse.GetValue(Scaler) switch { "standard" => ScalerKind.Standard, "none" => ScalerKind.None, _ => ScalerKind.Robust },
            Weights = weights,
            Dbscan = new DbscanOptions { Eps = eps, MinSamples = parse.GetValue(MinSamples), KneeFactor = parse.GetValue(KneeFactor), MaxDegreeOfParallelism = threads },
            Hdbscan = new HdbscanOptions { MinClusterSize = parse.GetValue(MinClusterSize), MinSamples = parse.GetValue(MinSamples), MaxDegreeOfParallelism = threads },
            Siblings = new SiblingOptions
            {
                BinSeconds = binSeconds,
                Sigmas = parse.GetValue(SiblingSigmas),
                PeriodTolerance = parse.GetValue(SiblingPeriod),
                StartGaps = parse.GetValue(SiblingStartGaps),
                LaunchSkewSeconds = parse.GetValue(SiblingLaunchSkew),
                PortJaccard = parse.GetValue(SiblingPortJaccard),
                MinSamples = parse.GetValue(MinSamples) ?? new SiblingOptions().MinSamples,
                MaxDegreeOfParallelism = threads,
            },
        };
    }
}
