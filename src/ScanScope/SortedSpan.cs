using System.Numerics;

namespace ScanScope;

/// <summary>Searches in ascending spans.</summary>
internal static class SortedSpan
{
    /// <summary>The first index whose value is not below <paramref name="value"/> (the length when there is none).</summary>
    public static int LowerBound<T>(ReadOnlySpan<T> sorted, T value)
        where T : IComparisonOperators<T, T, bool>
    {
        var lo = 0;
        var hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
