using ScanScope.Confirmation;

namespace ScanScope.Tests.Confirmation;

public sealed class ScratchArraysTests
{
    // An element type of its own: confirmation runs in parallel tests share the lists of the others.
    private readonly record struct Cell(long A, long B);

    [Fact]
    public void LargeArraysAreReusedAcrossSizes_BestFit_AndTrimmed()
    {
        ScratchArrays<Cell>.Trim();
        const int large = ScratchArrays<Cell>.SmallMax * 4;
        var big = ScratchArrays<Cell>.Rent(large);
        var medium = ScratchArrays<Cell>.Rent(large / 2);
        Assert.True(big.Length >= large);
        Assert.True(medium.Length >= large / 2);
        ScratchArrays<Cell>.Return(big);
        ScratchArrays<Cell>.Return(medium);

        // A smaller request takes the smallest array that fits (the shared pool's size classes would
        // give a fresh array for a request half as long), a longer one a new array.
        Assert.Same(medium, ScratchArrays<Cell>.Rent((large / 2) - 1000));
        Assert.Same(big, ScratchArrays<Cell>.Rent((large / 2) + 1));
        var longer = ScratchArrays<Cell>.Rent(large + 1);
        Assert.NotSame(big, longer);
        Assert.True(longer.Length > large);

        // At most Keep free arrays: the smallest go first.
        var arrays = Enumerable.Range(1, ScratchArrays<Cell>.Keep + 3).Select(k => ScratchArrays<Cell>.Rent(large + k)).ToArray();
        foreach (var a in arrays)
        {
            ScratchArrays<Cell>.Return(a);
        }

        Assert.Equal(ScratchArrays<Cell>.Keep, ScratchArrays<Cell>.FreeCount);
        Assert.Same(arrays[3], ScratchArrays<Cell>.Rent(large));
        ScratchArrays<Cell>.Trim();
        Assert.Equal(0, ScratchArrays<Cell>.FreeCount);

        // Small requests go to the shared pool, and come back to it.
        var small = ScratchArrays<Cell>.Rent(100);
        Assert.True(small.Length is >= 100 and <= ScratchArrays<Cell>.SmallMax);
        ScratchArrays<Cell>.Return(small);
        Assert.Equal(0, ScratchArrays<Cell>.FreeCount);
    }
}
