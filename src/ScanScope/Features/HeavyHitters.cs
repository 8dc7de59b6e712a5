using ScanScope.Clustering;

namespace ScanScope.Features;

/// <summary>How heavy hitters were told apart.</summary>
/// <param name="Threshold">Coverage above which a source is a heavy hitter (NaN when none could be set).</param>
/// <param name="FromKnee">True when the threshold is the knee of the coverage curve, false when it was given.</param>
/// <param name="Count">Sources marked.</param>
public readonly record struct HeavyHitterResult(double Threshold, bool FromKnee, int Count);

/// <summary>
/// Marks the sources that reach most of the telescope: coverage = destinations / |O|, and sources
/// past the knee of the ascending sorted coverage curve (Kneedle) or above a fixed threshold.
/// </summary>
public static class HeavyHitters
{
    /// <summary>
    /// Sets <see cref="FeatureRow.Coverage"/> and <see cref="FeatureRow.HeavyHitter"/> on every row.
    /// With <paramref name="fixedThreshold"/> a source is a heavy hitter when its coverage is at least
    /// that value; otherwise when its coverage is above the coverage at the knee found with
    /// <paramref name="sensitivity"/> (Kneedle's S: larger asks for a sharper bend).
    /// </summary>
    public static (IReadOnlyList<FeatureRow> Rows, HeavyHitterResult Result) Mark(IReadOnlyList<FeatureRow> rows, int activeObservers, double? fixedThreshold = null, double sensitivity = 1.0)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (activeObservers <= 0 || rows.Count == 0)
        {
            return (rows, new HeavyHitterResult(double.NaN, fixedThreshold is null, 0));
        }

        var coverage = new double[rows.Count];
        for (var i = 0; i < coverage.Length; i++)
        {
            coverage[i] = rows[i].Destinations / (double)activeObservers;
        }

        double threshold;
        bool inclusive;
        if (fixedThreshold is { } given)
        {
            threshold = given;
            inclusive = true;
        }
        else
        {
            var sorted = (double[])coverage.Clone();
            Array.Sort(sorted);
            var x = new double[sorted.Length];
            for (var i = 0; i < x.Length; i++)
            {
                x[i] = i;
            }

            var knee = Kneedle.Find(x, sorted, KneeCurve.Convex, KneeDirection.Increasing, sensitivity);
            threshold = knee < 0 ? double.NaN : sorted[knee];
            inclusive = false;
        }

        var marked = new FeatureRow[rows.Count];
        var count = 0;
        for (var i = 0; i < marked.Length; i++)
        {
            var heavy = !double.IsNaN(threshold) && (inclusive ? coverage[i] >= threshold : coverage[i] > threshold);
            count += heavy ? 1 : 0;
            marked[i] = rows[i] with { Coverage = coverage[i], HeavyHitter = heavy };
        }

        return (marked, new HeavyHitterResult(threshold, fixedThreshold is null, count));
    }
}
