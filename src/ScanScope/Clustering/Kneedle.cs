namespace ScanScope.Clustering;

/// <summary>Shape of the curve whose knee is wanted.</summary>
public enum KneeCurve
{
    /// <summary>Bends upward (a sorted k-distance or coverage curve): slope grows.</summary>
    Convex,

    /// <summary>Bends downward: slope shrinks.</summary>
    Concave,
}

/// <summary>Whether y grows or falls with x.</summary>
public enum KneeDirection
{
    Increasing,
    Decreasing,
}

/// <summary>
/// The Kneedle knee detector (Satopaa, Albrecht, Irwin, Raghavan, "Finding a 'Kneedle' in a
/// Haystack", ICDCS Workshops 2011), offline variant, as the Python <c>kneed</c> package does it.
/// </summary>
/// <remarks>
/// Both axes are scaled to [0, 1]; the curve is mirrored so that its knee becomes the peak of the
/// difference curve <c>y − x</c>. Every local maximum i of that curve sets a threshold
/// <c>T = d[i] − S · mean(Δx)</c>; the first maximum after which the difference falls below its
/// threshold before the next maximum is the knee. A larger sensitivity S needs a more pronounced
/// bend (fewer, more conservative knees); S = 1 is the paper's recommendation.
/// </remarks>
public static class Kneedle
{
    /// <summary>
    /// Index of the knee of the curve (x[i], y[i]), x ascending, or -1 when the curve has none
    /// (fewer than three points, a straight line, or no bend as pronounced as S asks).
    /// </summary>
    public static int Find(ReadOnlySpan<double> x, ReadOnlySpan<double> y, KneeCurve curve, KneeDirection direction, double sensitivity = 1.0)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException("x and y must have the same length", nameof(y));
        }

        var n = x.Length;
        if (n < 3)
        {
            return -1;
        }

        double xMin = x[0], xMax = x[n - 1], yMin = double.PositiveInfinity, yMax = double.NegativeInfinity;
        foreach (var v in y)
        {
            yMin = Math.Min(yMin, v);
            yMax = Math.Max(yMax, v);
        }

        if (!(xMax > xMin) || !(yMax > yMin))
        {
            return -1;
        }

        // Mirror every shape onto "concave increasing", whose knee is the maximum of y − x (kneed's transform_y).
        var yn = new double[n];
        for (var i = 0; i < n; i++)
        {
            yn[i] = (y[i] - yMin) / (yMax - yMin);
        }

        var flip = (curve, direction) is (KneeCurve.Convex, KneeDirection.Increasing) or (KneeCurve.Concave, KneeDirection.Decreasing);
        var d = new double[n];
        double stepSum = 0;
        for (var j = 0; j < n; j++)
        {
            var xs = (x[j] - xMin) / (xMax - xMin);
            var ys = flip ? yn[n - 1 - j] : yn[j];
            if (curve == KneeCurve.Convex)
            {
                ys = 1 - ys;
            }

            d[j] = ys - xs;
            if (j > 0)
            {
                stepSum += xs - ((x[j - 1] - xMin) / (xMax - xMin));
            }
        }

        var step = Math.Abs(stepSum / (n - 1));
        var firstMax = -1;
        for (var j = 0; j < n && firstMax < 0; j++)
        {
            if (IsExtremum(d, j, maximum: true))
            {
                firstMax = j;
            }
        }

        if (firstMax < 0)
        {
            return -1;
        }

        var threshold = double.NaN;
        var thresholdIndex = -1;
        for (var i = firstMax; i < n - 1; i++)
        {
            if (IsExtremum(d, i, maximum: true))
            {
                threshold = d[i] - (sensitivity * step);
                thresholdIndex = i;
            }

            if (IsExtremum(d, i, maximum: false))
            {
                threshold = 0.0;
            }

            if (d[i + 1] < threshold)
            {
                return flip ? n - 1 - thresholdIndex : thresholdIndex;
            }
        }

        return -1;
    }

    // scipy.signal.argrelextrema with mode "clip": an end point is compared with itself on its open side.
    private static bool IsExtremum(double[] d, int i, bool maximum)
    {
        var left = d[Math.Max(i - 1, 0)];
        var right = d[Math.Min(i + 1, d.Length - 1)];
        return maximum ? d[i] >= left && d[i] >= right : d[i] <= left && d[i] <= right;
    }
}
