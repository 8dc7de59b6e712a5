using ScanScope.Clustering;

namespace ScanScope.Tests.Clustering;

public sealed class KneedleTests
{
    private static readonly double[] X = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

    [Fact]
    public void ConvexIncreasing_FlatThenSteep_KneeIsLastFlatPoint()
    {
        double[] y = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 5, 10, 15, 20];
        Assert.Equal(5, Kneedle.Find(X, y, KneeCurve.Convex, KneeDirection.Increasing));
    }

    [Fact]
    public void ConcaveIncreasing_SteepThenFlat_KneeIsLastSteepPoint()
    {
        double[] y = [0, 5, 10, 15, 20, 20.1, 20.2, 20.3, 20.4, 20.5];
        Assert.Equal(4, Kneedle.Find(X, y, KneeCurve.Concave, KneeDirection.Increasing));
    }

    [Fact]
    public void ConvexDecreasing_SteepThenFlat_KneeIsLastSteepPoint()
    {
        double[] y = [20, 15, 10, 5, 0.5, 0.4, 0.3, 0.2, 0.1, 0];
        Assert.Equal(4, Kneedle.Find(X, y, KneeCurve.Convex, KneeDirection.Decreasing));
    }

    [Fact]
    public void StraightLine_HasNoKnee()
    {
        Assert.Equal(-1, Kneedle.Find(X, X, KneeCurve.Convex, KneeDirection.Increasing));
    }

    [Fact]
    public void HighSensitivity_RejectsAWeakBend()
    {
        double[] y = [0, 1, 2, 3, 4, 5, 6.2, 7.4, 8.6, 9.8];
        Assert.NotEqual(-1, Kneedle.Find(X, y, KneeCurve.Convex, KneeDirection.Increasing, sensitivity: 0.1));
        Assert.Equal(-1, Kneedle.Find(X, y, KneeCurve.Convex, KneeDirection.Increasing, sensitivity: 5));
    }
}
