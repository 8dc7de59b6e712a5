using System.Text.Json;
using ScanScope.Evaluation;
using ScanScope.Tests.Clustering;

namespace ScanScope.Tests.Evaluation;

public sealed class ClusteringMetricsTests
{
    private static readonly string Dir = SklearnGolden.StoredDirectory;

    public static TheoryData<int> Cases => [.. Enumerable.Range(0, 9)];

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryScore_EqualsScikitLearn_Within1e10(int caseNumber)
    {
        var (truth, predicted, expected) = Load(caseNumber);
        var (h, c, v) = ClusteringMetrics.HomogeneityCompleteness(truth, predicted);
        AssertClose(expected.GetProperty("ari").GetDouble(), ClusteringMetrics.AdjustedRandIndex(truth, predicted), "ARI");
        AssertClose(expected.GetProperty("ami").GetDouble(), ClusteringMetrics.AdjustedMutualInformation(truth, predicted), "AMI");
        AssertClose(expected.GetProperty("homogeneity").GetDouble(), h, "homogeneity");
        AssertClose(expected.GetProperty("completeness").GetDouble(), c, "completeness");
        AssertClose(expected.GetProperty("v_measure").GetDouble(), v, "V-measure");
    }

    [Fact]
    public void IdenticalPartitions_ScoreOne_AndRenumberingDoesNotMatter()
    {
        int[] truth = [0, 0, 1, 1, 2, 2, 2];
        int[] renamed = [7, 7, -3, -3, 4, 4, 4];
        Assert.Equal(1.0, ClusteringMetrics.AdjustedRandIndex(truth, renamed));
        Assert.Equal(1.0, ClusteringMetrics.AdjustedMutualInformation(truth, renamed), 12);
        Assert.Equal((1.0, 1.0, 1.0), ClusteringMetrics.HomogeneityCompleteness(truth, renamed));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(10.0)]
    [InlineData(3.5)]
    [InlineData(1234567.0)]
    public void LogGamma_MatchesTheFactorialAndKnownValues(double x)
    {
        // ln Γ(x) for integers is ln((x−1)!); for 3.5 it is ln(15√π/8).
        var expected = x == 3.5 ? Math.Log(15 * Math.Sqrt(Math.PI) / 8) : Enumerable.Range(1, (int)x - 1).Sum(k => Math.Log(k));
        Assert.Equal(expected, ClusteringMetrics.LogGamma(x), x > 100 ? 1e-9 * expected : 1e-13);
    }

    private static void AssertClose(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-10, $"{what}: sklearn {expected:R}, ScanScope {actual:R}");

    private static (int[] Truth, int[] Predicted, JsonElement Expected) Load(int caseNumber)
    {
        var columns = SklearnGolden.ReadCsvGz(Path.Combine(Dir, "metrics.csv.gz"));
        var cases = SklearnGolden.Ints(columns["case"]);
        var truth = SklearnGolden.Ints(columns["truth"]).Where((_, i) => cases[i] == caseNumber).ToArray();
        var predicted = SklearnGolden.Ints(columns["pred"]).Where((_, i) => cases[i] == caseNumber).ToArray();
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "metrics.json")));
        return (truth, predicted, json.RootElement.GetProperty("cases")[caseNumber].Clone());
    }
}
