using ScanScope.Clustering;

namespace ScanScope.Tests.Clustering;

public sealed class ScalersTests
{
    [Theory]
    [InlineData(new[] { 1.0, 2, 3, 4 }, 25, 1.75)]
    [InlineData(new[] { 1.0, 2, 3, 4 }, 75, 3.25)]
    [InlineData(new[] { 5.0 }, 25, 5.0)]
    [InlineData(new[] { 0.0, 10 }, 75, 7.5)]
    [InlineData(new[] { 1.0, 2, 3, 4, 5 }, 50, 3.0)]
    public void Percentile_IsNumpysLinearInterpolation(double[] sorted, double q, double expected)
    {
        Assert.Equal(expected, Scalers.Percentile(sorted, q));
    }

    [Fact]
    public void ConstantColumn_GetsScaleOne_InBothScalers()
    {
        var x = FeatureMatrix.FromRows([[1.0, 7], [2.0, 7], [3.0, 7], [4.0, 7]]);
        Assert.Equal(1.0, Scalers.Fit(x, ScalerKind.Robust).Scale[1]);
        Assert.Equal(1.0, Scalers.Fit(x, ScalerKind.Standard).Scale[1]);
        Assert.All(Scalers.FitTransform(x, ScalerKind.Robust).Data.Where((_, i) => i % 2 == 1), v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void Weights_MultiplyTheScaledValues()
    {
        var x = FeatureMatrix.FromRows([[1.0, 10], [2.0, 20], [3.0, 30], [9.0, 90]]);
        var plain = Scalers.FitTransform(x, ScalerKind.Robust);
        var weighted = Scalers.FitTransform(x, ScalerKind.Robust, [1.0, 3.0]);
        for (var i = 0; i < x.Rows; i++)
        {
            Assert.Equal(plain[i, 0], weighted[i, 0]);
            Assert.Equal(plain[i, 1] * 3.0, weighted[i, 1]);
        }
    }

    [Fact]
    public void RobustScaler_IgnoresOutliers_StandardScalerDoesNot()
    {
        var x = FeatureMatrix.FromRows([[1.0], [2.0], [3.0], [4.0], [1e6]]);
        Assert.Equal(2.0, Scalers.Fit(x, ScalerKind.Robust).Scale[0]);
        Assert.True(Scalers.Fit(x, ScalerKind.Standard).Scale[0] > 1e5);
    }

    [Fact]
    public void NonFiniteValue_IsRejected()
    {
        var x = FeatureMatrix.FromRows([[1.0], [double.NaN]]);
        Assert.Throws<ArgumentException>(() => Scalers.Fit(x, ScalerKind.Robust));
    }
}
