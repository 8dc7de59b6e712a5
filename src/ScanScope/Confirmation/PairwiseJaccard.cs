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
        var intersections = new Dictionary<long, int>();
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
                for (var b = a + 1; b < end; b++)
                {
                    var key = ((long)(uint)keys[a] << 32) | (uint)keys[b];
                    intersections[key] = intersections.GetValueOrDefault(key) + 1;
                }
            }

            start = end;
        }

        var sum = 0.0;
        foreach (var (key, shared) in intersections)
        {
            var i = (int)(key >> 32);
            var j = (int)(key & 0xFFFFFFFF);
            sum += shared / (double)(sets[i].Count + sets[j].Count - shared);
        }

        return sum / (n * (n - 1) / 2.0);
    }
}
