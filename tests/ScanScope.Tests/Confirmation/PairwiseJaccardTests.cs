using ScanScope.Confirmation;

namespace ScanScope.Tests.Confirmation;

public sealed class PairwiseJaccardTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void RandomOverlappingSets_GiveTheBruteForceMean(int seed)
    {
        var rng = new Random(seed);
        var sets = Enumerable.Range(0, rng.Next(2, 30))
            .Select(_ => (IReadOnlyCollection<uint>)Enumerable.Range(0, rng.Next(0, 200)).Select(_ => (uint)rng.Next(500)).ToHashSet())
            .ToList();

        var brute = 0.0;
        for (var i = 0; i < sets.Count; i++)
        {
            for (var j = i + 1; j < sets.Count; j++)
            {
                var a = (HashSet<uint>)sets[i];
                var shared = a.Count(sets[j].Contains);
                var union = a.Count + sets[j].Count - shared;
                brute += union == 0 ? 0 : shared / (double)union;
            }
        }

        brute /= sets.Count * (sets.Count - 1) / 2.0;
        Assert.Equal(brute, PairwiseJaccard.Mean(sets), 12);
    }

    [Theory]
    [InlineData(40, 30)]
    [InlineData(2100, 3)]
    public void HeavilySharedSets_TakeTheDenseOrSparsePath_AndStillGiveTheBruteForceMean(int count, int universe)
    {
        var rng = new Random(count);
        var sets = Enumerable.Range(0, count)
            .Select(_ => (IReadOnlyCollection<uint>)Enumerable.Range(0, rng.Next(1, 4)).Select(_ => (uint)rng.Next(universe)).ToHashSet())
            .ToList();
        var brute = 0.0;
        for (var i = 0; i < count; i++)
        {
            for (var j = i + 1; j < count; j++)
            {
                var shared = ((HashSet<uint>)sets[i]).Count(sets[j].Contains);
                brute += shared / (double)(sets[i].Count + sets[j].Count - shared);
            }
        }

        Assert.Equal(brute / (count * (count - 1) / 2.0), PairwiseJaccard.Mean(sets), 9);
    }

    [Fact]
    public void DisjointSets_GiveZero_IdenticalSetsGiveOne()
    {
        IReadOnlyCollection<uint>[] disjoint = [new HashSet<uint> { 1, 2 }, new HashSet<uint> { 3 }, new HashSet<uint> { 4, 5, 6 }];
        IReadOnlyCollection<uint>[] same = [new HashSet<uint> { 1, 2 }, new HashSet<uint> { 1, 2 }, new HashSet<uint> { 2, 1 }];
        Assert.Equal(0, PairwiseJaccard.Mean(disjoint));
        Assert.Equal(1, PairwiseJaccard.Mean(same));
        Assert.Equal(0, PairwiseJaccard.Mean([new HashSet<uint> { 1 }]));
    }
}
