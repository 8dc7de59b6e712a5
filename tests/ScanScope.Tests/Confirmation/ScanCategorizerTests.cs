using ScanScope.Confirmation;

namespace ScanScope.Tests.Confirmation;

public sealed class ScanCategorizerTests(ITestOutputHelper output)
{
    [Fact]
    public void SyntheticGroupsOfEveryCategory_GetTheirGroundTruthCategory_InAtLeastNinetyPercent()
    {
        var total = 0;
        var right = 0;
        var wrong = new List<string>();
        foreach (var category in Enum.GetValues<ScanCategory>())
        {
            for (var seed = 0; seed < 8; seed++)
            {
                var s = new SyntheticScans((int)category * 100 + seed, telescopeBits: 13);
                var hosts = CategoryGroups.Generate(s, category);
                var result = ClusterConfirmer.Confirm(SyntheticScans.Cluster(0, s.Build(), hosts), s.Context());
                total++;
                if (result.Category == category)
                {
                    right++;
                }
                else
                {
                    wrong.Add($"{category.Name()} seed {seed} -> {result.Category.Name()} ({result.Scans.Count} scans, {result.GroupScans.Count} group scans)");
                }
            }
        }

        foreach (var line in wrong)
        {
            output.WriteLine(line);
        }

        output.WriteLine($"{right}/{total} right");
        Assert.True(right >= 0.9 * total, $"{right}/{total} right: {string.Join("; ", wrong)}");
    }

    [Theory]
    [InlineData("single-port", ScanCategory.SinglePort)]
    [InlineData("slow-sweeping", ScanCategory.SlowSweeping)]
    [InlineData("periodic-single-port", ScanCategory.PeriodicSinglePort)]
    [InlineData("periodic-sweeping", ScanCategory.PeriodicSweeping)]
    [InlineData("periodic-updating", ScanCategory.PeriodicUpdating)]
    [InlineData("greedy", ScanCategory.Greedy)]
    [InlineData("noise", ScanCategory.Noise)]
    public void CategoryNames_AreTheSimulatorsLabels_AndParseBack(string name, ScanCategory category)
    {
        Assert.Equal(name, category.Name());
        Assert.True(ScanCategoryNames.TryParse(name, out var parsed));
        Assert.Equal(category, parsed);
    }
}
