using ScanScope.Evaluation;

namespace ScanScope.Tests.Evaluation;

public sealed class GroundTruthEvaluationTests
{
    private static TruthLabel T(string ip, int group, string category = "sharded") => new(ip, group, category, "zmap");

    [Fact]
    public void PerfectClustering_WithNoiseAsNoise_ScoresOne()
    {
        var truth = new[] { T("a", 0), T("b", 0), T("c", 1), T("d", 1), T("e", -1, "noise"), T("f", -1, "noise") };
        var clusters = new Dictionary<string, int> { ["a"] = 5, ["b"] = 5, ["c"] = 2, ["d"] = 2, ["e"] = -1, ["f"] = -1 };
        var report = GroundTruthEvaluation.Evaluate(truth, clusters);
        Assert.Equal(1.0, report.AdjustedRandIndex);
        Assert.Equal(2, report.GroupsRecovered);
        Assert.Equal(2, report.Groups);
    }

    [Fact]
    public void NoiseLumpedIntoOneCluster_IsPenalised_BecauseNoiseSourcesAreSingletons()
    {
        var truth = new[] { T("a", 0), T("b", 0), T("e", -1, "noise"), T("f", -1, "noise"), T("g", -1, "noise") };
        var lumped = new Dictionary<string, int> { ["a"] = 0, ["b"] = 0, ["e"] = 1, ["f"] = 1, ["g"] = 1 };
        var report = GroundTruthEvaluation.Evaluate(truth, lumped);
        Assert.True(report.AdjustedRandIndex < 1.0);
        Assert.Equal(1, report.GroupsRecovered);
    }

    [Fact]
    public void GroupSplitInHalf_IsNotRecovered_AndImpureClusterIsNotRecovered()
    {
        var truth = Enumerable.Range(0, 20).Select(i => T($"g{i}", 0)).Concat(Enumerable.Range(0, 10).Select(i => T($"h{i}", 1, "other"))).ToArray();
        var clusters = new Dictionary<string, int>();
        for (var i = 0; i < 20; i++)
        {
            clusters[$"g{i}"] = i < 10 ? 0 : 1; // group 0 split in two halves
        }

        for (var i = 0; i < 10; i++)
        {
            clusters[$"h{i}"] = 1; // group 1 wholly in cluster 1, but cluster 1 is only half group 1
        }

        var report = GroundTruthEvaluation.Evaluate(truth, clusters);
        Assert.Equal(0, report.GroupsRecovered);
        Assert.All(report.PerCategory, c => Assert.Equal(0, c.Recovered));
        Assert.Equal(["other", "sharded"], report.PerCategory.Select(c => c.Category));
    }

    [Fact]
    public void NinetyPercentInOneNinetyPercentPureCluster_IsRecovered()
    {
        var truth = Enumerable.Range(0, 10).Select(i => T($"g{i}", 3)).Append(T("x", -1, "noise")).ToArray();
        var clusters = Enumerable.Range(0, 9).ToDictionary(i => $"g{i}", _ => 0);
        clusters["g9"] = -1;
        clusters["x"] = 0; // 9 of 10 members in a cluster of 10: 90% share at 90% purity
        var report = GroundTruthEvaluation.Evaluate(truth, clusters);
        Assert.True(report.GroupOutcomes.Single().Recovered);
    }

    [Fact]
    public void HeavyHitterPrecisionAndRecall_CompareMinusTwoWithTheCategory()
    {
        var truth = new[] { T("a", 4, "heavy-hitter"), T("b", 5, "heavy_hitter"), T("c", 0), T("d", 0) };
        var clusters = new Dictionary<string, int> { ["a"] = -2, ["b"] = -1, ["c"] = -2, ["d"] = 0 };
        var report = GroundTruthEvaluation.Evaluate(truth, clusters);
        Assert.Equal(0.5, report.HeavyHitterPrecision);
        Assert.Equal(0.5, report.HeavyHitterRecall);
    }

    [Fact]
    public void SourcesMissingFromClusters_CountAsNoise_AndAreReported()
    {
        var truth = new[] { T("a", 0), T("b", 0), T("c", 0) };
        var report = GroundTruthEvaluation.Evaluate(truth, new Dictionary<string, int> { ["a"] = 0, ["b"] = 0, ["zz"] = 0 });
        Assert.Equal(1, report.MissingFromClusters);
        Assert.Equal(1, report.NotInTruth);
        Assert.False(report.GroupOutcomes.Single().Recovered); // 2 of 3 < 90%
    }
}
