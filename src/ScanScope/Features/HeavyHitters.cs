using ScanScope.Clustering;

namespace ScanScope.Features;

/// <summary>How heavy hitters were told apart.</summary>
/// <param name="Threshold">Coverage above which a source is a heavy hitter (NaN when none could be set).</param>
/// <param name="FromKnee">True when the threshold is the knee of the coverage curve, false when it was given.</param>
/// <param name="Count">Sources marked.</param>
public readonly record struct HeavyHitterResult(double Threshold, bool FromKnee, int Count);

/// <summary>What share of the telescope a source reached, for telling heavy hitters apart.</summary>
public enum HeavyHitterCoverage
{
    /// <summary>Unique destinations over all ports / |O|, cut at the knee of the sorted curve (the thesis).</summary>
    Total,

    /// <summary>
    /// The most unique destinations on any one port / |O|, cut at one half: a host of a scan sharded over two
    /// or more hosts gets at most its share, 1/|H| ≤ 1/2, of the telescope on a port, while one host scanning
    /// alone gets all of it. Unlike the total, this does not mark a small group's hosts that probed several
    /// ports (each port adds a new share), nor rises with the number of ports.
    /// </summary>
    PerPort,
}

/// <summary>
/// Marks the sources that reach most of the telescope: coverage = destinations / |O|, and sources
/// past the knee of the ascending sorted coverage curve, ties collapsed (Kneedle), or at or above a
/// fixed threshold.
/// </summary>
public static class HeavyHitters
{
    /// <summary>
    /// Sets <see cref="FeatureRow.Coverage"/> and <see cref="FeatureRow.HeavyHitter"/> on every row.
    /// With <paramref name="fixedThreshold"/> a source is a heavy hitter when its coverage is at least
    /// that value; otherwise when its coverage is above the coverage at the knee found with
    /// <paramref name="sensitivity"/> (Kneedle's S: larger asks for a sharper bend).
    /// </summary>
    public static (IReadOnlyList<FeatureRow> Rows, HeavyHitterResult Result) Mark(IReadOnlyList<FeatureRow> rows, int activeObservers, double? fixedThreshold = null, double sensitivity = 1.0, HeavyHitterCoverage measure = HeavyHitterCoverage.Total)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (activeObservers <= 0 || rows.Count == 0)
        {
            return (rows, new HeavyHitterResult(double.NaN, fixedThreshold is null && measure == HeavyHitterCoverage.Total, 0));
        }

        var coverage = new double[rows.Count];
        var measured = new double[rows.Count];
        for (var i = 0; i < coverage.Length; i++)
        {
            var row = rows[i];
            coverage[i] = row.Destinations / (double)activeObservers;
            measured[i] = measure == HeavyHitterCoverage.PerPort
                ? (row.PortDestinations.Count == 0 ? row.Destinations : row.PortDestinations.Max()) / (double)activeObservers
                : coverage[i];
        }

        double threshold;
        bool inclusive;
        var fromKnee = false;
        if (fixedThreshold is { } given)
        {
            threshold = given;
            inclusive = true;
        }
        else if (measure == HeavyHitterCoverage.PerPort)
        {
            threshold = PerPortThreshold;
            inclusive = false;
        }
        else
        {
            var (x, y, sorted) = Curve(measured);
            var knee = Kneedle.Find(x, y, KneeCurve.Convex, KneeDirection.Increasing, sensitivity);
            // The knee is a rank; the threshold is the coverage of the source at that rank, not the
            // interpolated value, so that a run of equal coverages is never cut in two.
            threshold = knee < 0 ? double.NaN : sorted[(int)Math.Ceiling(x[knee])];
            inclusive = false;
            fromKnee = true;
        }

        var marked = new FeatureRow[rows.Count];
        var count = 0;
        for (var i = 0; i < marked.Length; i++)
        {
            var heavy = !double.IsNaN(threshold) && (inclusive ? measured[i] >= threshold : measured[i] > threshold);
            count += heavy ? 1 : 0;
            marked[i] = rows[i] with { Coverage = coverage[i], HeavyHitter = heavy };
        }

        return (marked, new HeavyHitterResult(threshold, fromKnee, count));
    }

    /// <summary>Per-port coverage above which a source cannot be one of two or more equal shards.</summary>
    public const double PerPortThreshold = 0.5;

    /// <summary>Points of the curve handed to Kneedle.</summary>
    internal const int CurvePoints = 1000;

    /// <summary>
    /// The sorted coverage curve, ties collapsed and resampled on an even rank grid. Destination
    /// counts are integers, so the plain sorted curve is a staircase, and with Kneedle's threshold
    /// step of 1/(n − 1) every run of ties looks like a bend: a plateau of heavy hitters with
    /// slightly different coverages then yields a knee inside the plateau (test
    /// <c>NoisyPlateauOfHeavySources_IsMarkedAsAWhole</c>). Each distinct coverage becomes one
    /// point at the rank of its last source; the curve through those points is read at up to
    /// <see cref="CurvePoints"/> evenly spaced ranks, since Kneedle mirrors y alone and needs even x.
    /// </summary>
    internal static (double[] X, double[] Y, double[] Sorted) Curve(double[] coverage)
    {
        var sorted = (double[])coverage.Clone();
        Array.Sort(sorted);
        var cornerRank = new List<double>();
        var cornerValue = new List<double>();
        for (var i = 0; i < sorted.Length; i++)
        {
            if (i == sorted.Length - 1 || sorted[i + 1] != sorted[i])
            {
                cornerRank.Add(i);
                cornerValue.Add(sorted[i]);
            }
        }

        var n = Math.Min(sorted.Length, CurvePoints);
        var x = new double[n];
        var y = new double[n];
        var c = 0;
        for (var k = 0; k < n; k++)
        {
            var rank = n == 1 ? 0 : k * (sorted.Length - 1.0) / (n - 1);
            while (c < cornerRank.Count - 1 && cornerRank[c] < rank)
            {
                c++;
            }

            x[k] = rank;
            if (c == 0 || cornerRank[c] == rank)
            {
                y[k] = cornerValue[c];
            }
            else
            {
                var t = (rank - cornerRank[c - 1]) / (cornerRank[c] - cornerRank[c - 1]);
                y[k] = cornerValue[c - 1] + (t * (cornerValue[c] - cornerValue[c - 1]));
            }
        }

        return (x, y, sorted);
    }
}
