using ScanScope.Clustering;

namespace ScanScope.Tests.Clustering;

public sealed class KdTreeTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 500, 3 },   // dense integer grid: duplicates and exact ties everywhere
        { 2, 800, 20 },  // sparse integer grid
        { 3, 50, 1000 }, // fewer points than a few leaves
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void RadiusQueries_EqualBruteForce_TiesIncluded(int seed, int rows, int range)
    {
        var x = BruteForce.IntegerRows(seed, rows, 5, range);
        var tree = new KdTree(x, leafSize: 4);
        var found = new List<int>();
        foreach (var r in new[] { 0.0, 1.0, 2.0, Math.Sqrt(3), 2.5 })
        {
            for (var i = 0; i < rows; i += 7)
            {
                var expected = BruteForce.Within(x, x.Row(i), r);
                found.Clear();
                tree.Within(x.Row(i), r, found);
                found.Sort();
                Assert.Equal(expected, found);
                Assert.Equal(expected.Length, tree.CountWithin(x.Row(i), r));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void KthDistance_EqualsBruteForce_WithAndWithoutMultiplicities(int seed, int rows, int range)
    {
        var x = BruteForce.IntegerRows(seed, rows, 5, range);
        var distinct = DistinctPoints.Of(x);
        var plain = new KdTree(x, leafSize: 4);
        var weighted = new KdTree(distinct.Points, distinct.Weights, leafSize: 4);
        foreach (var k in new[] { 1, 2, 10, Math.Min(25, rows) })
        {
            for (var i = 0; i < rows; i += 5)
            {
                var expected = BruteForce.KthDistance(x, x.Row(i), k);
                Assert.Equal(expected, plain.KthDistance(x.Row(i), k));
                Assert.Equal(expected, weighted.KthDistance(x.Row(i), k));
            }
        }
    }

    [Fact]
    public void Nearest_ReturnsTheKClosestInOrder()
    {
        var (x, _) = BruteForce.Blobs(4, [50, 50], 30);
        var tree = new KdTree(x);
        var rows = new int[6];
        var distances = new double[6];
        for (var i = 0; i < x.Rows; i++)
        {
            Assert.Equal(6, tree.Nearest(x.Row(i), rows, distances));
            var expected = Enumerable.Range(0, x.Rows).Select(j => Math.Sqrt(BruteForce.SquaredDistance(x.Row(i), x.Row(j)))).Order().Take(6);
            Assert.Equal(expected, distances);
            Assert.Equal(i, rows[0]);
        }
    }

    [Fact]
    public void CountWithin_StopsEarly_ButNeverBelowTheThreshold()
    {
        var x = BruteForce.IntegerRows(9, 400, 2, 4);
        var tree = new KdTree(x);
        var full = tree.CountWithin(x.Row(0), 1.5);
        var stopped = tree.CountWithin(x.Row(0), 1.5, stopAt: 10);
        Assert.True(stopped >= 10 && stopped <= full);
    }
}
