namespace ScanScope.Confirmation;

/// <summary>Mean pairwise Jaccard index of several destination sets, computed exactly without pairwise set intersections.</summary>
/// <remarks>
/// The (destination, set) pairs are sorted by destination; a destination held by L sets adds one
/// to the intersection count of each of its L(L−1)/2 pairs. The cost is O(P log P + Σ L²) for P
/// pairs — near O(P log P) for a sharded scan, whose sets are disjoint — instead of
/// O(H² · |D|). Pairs that share nothing contribute 0 and are never visited.
/// </remarks>
public static class PairwiseJaccard
{
    /// <summary>Largest number of sets counted in a dense n×n matrix (16 MB at 2048).</summary>
    internal const int DenseLimit = 2048;

    /// <summary>Mean over all unordered pairs i &lt; j of |Di ∩ Dj| / |Di ∪ Dj|; 0 for fewer than two sets.</summary>
    /// <param name="sets">Each set's distinct destinations.</param>
    public static double Mean(IReadOnlyList<IReadOnlyCollection<uint>> sets)
    {
        ArgumentNullException.ThrowIfNull(sets);
        var n = sets.Count;
        if (n < 2)
        {
            return 0;
        }

        var total = 0;
        foreach (var s in sets)
        {
            total += s.Count;
        }

        var keys = new ulong[total];
        var k = 0;
        for (var i = 0; i < n; i++)
        {
            foreach (var d in sets[i])
            {
                keys[k++] = ((ulong)d << 32) | (uint)i;
            }
        }

        Array.Sort(keys);
        return MeanOfSorted(keys, [.. sets.Select(s => s.Count)]);
    }

    /// <summary>
    /// The mean for sets given as ascending, distinct (destination &lt;&lt; 32 | set number) keys, with
    /// each set's size.
    /// </summary>
    internal static double MeanOfSorted(ReadOnlySpan<ulong> keys, int[] sizes)
    {
        var n = sizes.Length;
        var total = keys.Length;
        if (n < 2)
        {
            return 0;
        }

        // Pair increments to come: none for one sharded scan. When they outnumber the n² cells of a
        // flat counter (a noise cluster whose sets share much), the flat counter beats hashing pair keys.
        long work = 0;
        for (var start = 0; start < total;)
        {
            var end = start + 1;
            while (end < total && keys[end] >> 32 == keys[start] >> 32)
            {
                end++;
            }

            work += (long)(end - start) * (end - start - 1) / 2;
            start = end;
        }

        if (work == 0)
        {
            return 0;
        }

        var dense = n <= DenseLimit && work > (long)n * n / 4 ? new int[n * n] : null;
        var sparse = dense is null ? new Dictionary<long, int>() : null;
        for (var start = 0; start < total;)
        {
            var dst = keys[start] >> 32;
            var end = start + 1;
            while (end < total && keys[end] >> 32 == dst)
            {
                end++;
            }

            for (var a = start; a < end; a++)
            {
                var i = (int)(uint)keys[a];
                for (var b = a + 1; b < end; b++)
                {
                    var j = (int)(uint)keys[b];
                    if (dense is not null)
                    {
                        dense[(i * n) + j]++;
                    }
                    else
                    {
                        // i·n + j, not i<<32|j: long's hash folds the halves together (i ^ j), which would collide.
                        var key = ((long)i * n) + j;
                        sparse![key] = sparse.GetValueOrDefault(key) + 1;
                    }
                }
            }

            start = end;
        }

        var sum = 0.0;
        if (dense is not null)
        {
            for (var i = 0; i < n; i++)
            {
                for (var j = i + 1; j < n; j++)
                {
                    var shared = dense[(i * n) + j];
                    if (shared > 0)
                    {
                        sum += shared / (double)(sizes[i] + sizes[j] - shared);
                    }
                }
            }
        }
        else
        {
            foreach (var (key, shared) in sparse!)
            {
                var i = (int)(key / n);
                var j = (int)(key % n);
                sum += shared / (double)(sizes[i] + sizes[j] - shared);
            }
        }

        return sum / (n * (n - 1) / 2.0);
    }
}
