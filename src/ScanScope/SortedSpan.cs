using System.Numerics;
using System.Runtime.CompilerServices;

namespace ScanScope;

/// <summary>Searches in ascending spans, and sorts spans of 32- and 64-bit values.</summary>
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
    /// With <paramref name="lowBytesToSkip"/> the values are ordered by their upper bytes only, and
    /// values equal there keep their order (the sort is stable).
    /// </summary>
    /// <remarks>
    /// A scanner's destinations arrive in random order, hundreds per source at a time: the comparison
    /// sort of the runtime spent ~10% of the feature fold on them, the four counting passes a fraction.
    /// Confirmation sorts (destination, host) pairs as 64-bit values the same way: of their eight
    /// bytes only the destination's and the host number's low ones vary, so five passes or fewer.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sort<T>(Span<T> values, Span<T> scratch, int lowBytesToSkip = 0)
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
    {
        if (values.Length < 2)
        {
            return;
        }

        if (values.Length < 64 && lowBytesToSkip == 0)
        {
            values.Sort();
            return;
        }

        var bytes = Unsafe.SizeOf<T>();
        if (bytes != 4 && bytes != 8)
        {
            throw new NotSupportedException("radix sort of 32- or 64-bit values only");
        }

        Span<int> counts = stackalloc int[bytes * 256];
        counts.Clear();
        foreach (var v in values)
        {
            // Unrolled by hand: the byte count is a constant of each instantiation, so one branch remains.
            var x = ulong.CreateTruncating(v);
            counts[(int)(x & 0xFF)]++;
            counts[256 + (int)((x >> 8) & 0xFF)]++;
            counts[512 + (int)((x >> 16) & 0xFF)]++;
            counts[768 + (int)((x >> 24) & 0xFF)]++;
            if (bytes == 8)
            {
                counts[1024 + (int)((x >> 32) & 0xFF)]++;
                counts[1280 + (int)((x >> 40) & 0xFF)]++;
                counts[1536 + (int)((x >> 48) & 0xFF)]++;
                counts[1792 + (int)(x >> 56)]++;
            }
        }

        var from = values;
        var to = scratch[..values.Length];
        for (var pass = lowBytesToSkip; pass < bytes; pass++)
        {
            var count = counts.Slice(pass * 256, 256);
            var shift = pass * 8;
            if (count[(int)((ulong.CreateTruncating(from[0]) >> shift) & 0xFF)] == values.Length)
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
                to[count[(int)((ulong.CreateTruncating(v) >> shift) & 0xFF)]++] = v;
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
