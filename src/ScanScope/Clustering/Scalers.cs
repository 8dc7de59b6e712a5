namespace ScanScope.Clustering;

/// <summary>How features are brought to comparable ranges before distances are taken.</summary>
public enum ScalerKind
{
    /// <summary>(x − median) / IQR, as scikit-learn's <c>RobustScaler()</c> with its defaults (the thesis' choice).</summary>
    Robust,

    /// <summary>(x − mean) / population standard deviation, as scikit-learn's <c>StandardScaler()</c>.</summary>
    Standard,

    /// <summary>Values are used as they are.</summary>
    None,
}

/// <summary>A fitted per-feature affine transform: <c>(x − Center) / Scale × Weight</c>.</summary>
/// <param name="Center">Subtracted from each column.</param>
/// <param name="Scale">Each column is divided by it (never zero: constant columns get 1).</param>
/// <param name="Weights">Multiplied in after scaling (all 1 when not weighted).</param>
public sealed record FittedScaler(ScalerKind Kind, double[] Center, double[] Scale, double[] Weights)
{
    /// <summary>Applies the transform to a matrix with the same columns, returning a new matrix.</summary>
    public FeatureMatrix Transform(FeatureMatrix x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Columns != Center.Length)
        {
            throw new ArgumentException($"fitted on {Center.Length} columns, got {x.Columns}", nameof(x));
        }

        var cols = x.Columns;
        var output = new double[x.Data.Length];
        var src = x.Data;
        for (var i = 0; i < src.Length; i += cols)
        {
            for (var j = 0; j < cols; j++)
            {
                // Same two operations in the same order as scikit-learn (X -= center; X /= scale), so results agree bit for bit.
                var v = (src[i + j] - Center[j]) / Scale[j];
                output[i + j] = Weights[j] == 1.0 ? v : v * Weights[j];
            }
        }

        return new FeatureMatrix(output, x.Rows, cols, x.ColumnNames);
    }
}

/// <summary>Fits the scalers of <see cref="ScalerKind"/> to a feature matrix.</summary>
public static class Scalers
{
    /// <summary>
    /// Fits a scaler. <paramref name="weights"/> (one per column, default all 1) multiply the scaled values, which
    /// stretches a feature's share of every distance by that factor.
    /// </summary>
    public static FittedScaler Fit(FeatureMatrix x, ScalerKind kind, IReadOnlyList<double>? weights = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        x.EnsureFinite();
        var cols = x.Columns;
        var w = new double[cols];
        for (var j = 0; j < cols; j++)
        {
            w[j] = weights is null ? 1.0 : weights[j];
            if (!(w[j] >= 0) || !double.IsFinite(w[j]))
            {
                throw new ArgumentException($"weight {j} must be finite and not negative, got {w[j]}", nameof(weights));
            }
        }

        if (weights is not null && weights.Count != cols)
        {
            throw new ArgumentException($"{weights.Count} weights for {cols} columns", nameof(weights));
        }

        var center = new double[cols];
        var scale = new double[cols];
        var column = new double[x.Rows];
        for (var j = 0; j < cols; j++)
        {
            for (var i = 0; i < x.Rows; i++)
            {
                column[i] = x.Data[(i * cols) + j];
            }

            (center[j], scale[j]) = kind switch
            {
                ScalerKind.Robust => RobustColumn(column),
                ScalerKind.Standard => StandardColumn(column),
                _ => (0.0, 1.0),
            };
        }

        return new FittedScaler(kind, center, scale, w);
    }

    /// <summary>Fits and transforms in one call.</summary>
    public static FeatureMatrix FitTransform(FeatureMatrix x, ScalerKind kind, IReadOnlyList<double>? weights = null) =>
        Fit(x, kind, weights).Transform(x);

    /// <summary>
    /// The q-th percentile (0..100) of sorted values with numpy's default "linear" method, computed with the same
    /// floating-point steps as numpy 1.22+ (<c>_compute_virtual_index</c> and <c>_lerp</c>).
    /// </summary>
    public static double Percentile(ReadOnlySpan<double> sorted, double q)
    {
        var n = sorted.Length;
        if (n == 0)
        {
            throw new ArgumentException("no values", nameof(sorted));
        }

        var quantile = q / 100.0;
        const double alpha = 1.0, beta = 1.0;
        var virtualIndex = (n * quantile) + (alpha + (quantile * (1.0 - alpha - beta))) - 1.0;
        var previous = Math.Floor(virtualIndex);
        var gamma = virtualIndex - previous;
        var lo = (int)Math.Clamp(previous, 0, n - 1);
        var hi = (int)Math.Clamp(previous + 1, 0, n - 1);
        double a = sorted[lo], b = sorted[hi];
        var diff = b - a;
        return gamma >= 0.5 ? b - (diff * (1.0 - gamma)) : a + (diff * gamma);
    }

    /// <summary>Median as numpy takes it: the middle value, or the mean of the two middle values.</summary>
    public static double Median(ReadOnlySpan<double> sorted)
    {
        var n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2.0;
    }

    private static (double Center, double Scale) RobustColumn(double[] column)
    {
        if (column.Length == 0)
        {
            return (0.0, 1.0);
        }

        var sorted = (double[])column.Clone();
        Array.Sort(sorted);
        var scale = Percentile(sorted, 75) - Percentile(sorted, 25);

        // scikit-learn's _handle_zeros_in_scale: a near-zero range would blow values up, so it becomes 1.
        return (Median(sorted), scale < 10 * DoubleEpsilon ? 1.0 : scale);
    }

    private static (double Center, double Scale) StandardColumn(double[] column)
    {
        var n = column.Length;
        if (n == 0)
        {
            return (0.0, 1.0);
        }

        double sum = 0;
        foreach (var v in column)
        {
            sum += v;
        }

        var mean = sum / n;
        double squares = 0, deviations = 0;
        foreach (var v in column)
        {
            var d = v - mean;
            squares += d * d;
            deviations += d;
        }

        // Two-pass variance with the compensation term, as scikit-learn's _incremental_mean_and_var does.
        var variance = (squares - (deviations * deviations / n)) / n;
        // scikit-learn's _is_constant_feature: a variance within rounding noise of zero means a constant column.
        var bound = (n * DoubleEpsilon * variance) + Math.Pow(n * mean * DoubleEpsilon, 2);
        return (mean, variance <= bound ? 1.0 : Math.Sqrt(variance));
    }

    /// <summary>numpy's <c>finfo(float64).eps</c> (2^-52), not .NET's <see cref="double.Epsilon"/> (the smallest subnormal).</summary>
    internal const double DoubleEpsilon = 2.220446049250313e-16;
}
