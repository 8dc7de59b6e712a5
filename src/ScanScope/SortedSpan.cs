using System.Numerics;
using System.Runtime.CompilerServices;

namespace ScanScope;

/// <summary>Searches in ascending spans, and sorts spans of 32-bit values.</summary>
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

    /// <summary>
    /// Sorts <paramref name="values"/> ascending with a least-significant-digit radix sort over bytes,
    /// using <paramref name="scratch"/> (at least as long) as the second buffer; passes over a byte
    /// that all values share are skipped (addresses of one telescope share their upper bytes).
    /// </summary>
    /// <remarks>
    /// A scanner's destinations arrive in random order, hundreds per source at a time: the comparison
    /// sort of the runtime spent ~10% of the feature fold on them, the four counting passes a fraction.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sort(Span<uint> values, Span<uint> scratch)
    {
        if (values.Length < 64)
        {
            values.Sort();
            return;
        }

        Span<int> counts = stackalloc int[4 * 256];
        counts.Clear();
        foreach (var v in values)
        {
            counts[(int)(v & 0xFF)]++;
            counts[256 + (int)((v >> 8) & 0xFF)]++;
            counts[512 + (int)((v >> 16) & 0xFF)]++;
            counts[768 + (int)(v >> 24)]++;
        }

        var from = values;
        var to = scratch[..values.Length];
        for (var pass = 0; pass < 4; pass++)
        {
            var count = counts.Slice(pass * 256, 256);
            var shift = pass * 8;
            if (count[(int)((from[0] >> shift) & 0xFF)] == values.Length)
            {
                continue;
            }

            var sum = 0;
            for (var b = 0; b < 256; b++)
            {
                (count[b], sum) = (sum, sum + count[b]);
            }

            foreach (var v in from)
            {
                to[count[(int)((v >> shift) & 0xFF)]++] = v;
            }

            var swap = from;
            from = to;
            to = swap;
        }

        if (from != values)
        {
            from.CopyTo(values);
        }
    }
}
