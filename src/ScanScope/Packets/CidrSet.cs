namespace ScanScope.Packets;

/// <summary>
/// A set of IPv4 prefixes kept as sorted, merged, disjoint address ranges: membership is a
/// binary search over the range starts, whatever the number of prefixes.
/// </summary>
public sealed class CidrSet
{
    private readonly uint[] _starts;
    private readonly uint[] _ends;

    /// <summary>Builds the set; overlapping and adjacent prefixes are merged.</summary>
    public CidrSet(IEnumerable<Cidr> prefixes)
    {
        ArgumentNullException.ThrowIfNull(prefixes);
        var ranges = prefixes.Select(c => (Start: c.Network, End: c.Last)).OrderBy(r => r.Start).ToList();
        var starts = new List<uint>();
        var ends = new List<uint>();
        foreach (var (start, end) in ranges)
        {
            if (ends.Count > 0 && (ulong)start <= (ulong)ends[^1] + 1)
            {
                ends[^1] = Math.Max(ends[^1], end);
            }
            else
            {
                starts.Add(start);
                ends.Add(end);
            }
        }

        _starts = [.. starts];
        _ends = [.. ends];
        Prefixes = [.. ranges.Select(r => new Cidr(r.Start, 32 - System.Numerics.BitOperations.Log2((ulong)r.End - r.Start + 1)))];
        Size = _starts.Select((s, i) => (long)_ends[i] - s + 1).Sum();
    }

    /// <summary>Parses a comma-separated list such as "44.10.0.0/16,45.0.0.0/24".</summary>
    /// <exception cref="FormatException">One element is not a prefix.</exception>
    public static CidrSet Parse(string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        return new CidrSet(list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Cidr.Parse));
    }

    /// <summary>The prefixes the set was built from, sorted by start address.</summary>
    public IReadOnlyList<Cidr> Prefixes { get; }

    /// <summary>Number of distinct addresses in the set.</summary>
    public long Size { get; }

    /// <summary>Number of disjoint ranges after merging.</summary>
    public int RangeCount => _starts.Length;

    /// <summary>True when <paramref name="address"/> is in one of the prefixes.</summary>
    public bool Contains(uint address) => InRanges(_starts, _ends, address);

    /// <summary>
    /// Whether <paramref name="address"/> is in one of the sorted, disjoint ranges
    /// [<paramref name="starts"/>[i], <paramref name="ends"/>[i]]: a scan of a few ranges, else a
    /// plain binary search (Array.BinarySearch goes through a comparer, ~3x slower). Called per
    /// packet by the filters, the fold and the second pass.
    /// </summary>
    internal static bool InRanges(uint[] starts, uint[] ends, uint address)
    {
        if (starts.Length <= 4)
        {
            for (var i = 0; i < starts.Length; i++)
            {
                if (address >= starts[i] && address <= ends[i])
                {
                    return true;
                }
            }

            return false;
        }

        // The last range starting at or before the address is the only candidate.
        int lo = 0, hi = starts.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (starts[mid] <= address)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return hi >= 0 && address <= ends[hi];
    }

    /// <summary>The prefixes, comma-separated.</summary>
    public override string ToString() => string.Join(",", Prefixes);
}
