namespace ScanScope.Simulation;

/// <summary>
/// The allowed target addresses of a ZMap scan and ZMap's index ↔ address mapping: indexes first
/// run over every fully allowed radix block (/20 in 2.1.1, /18 in 4.1+) in ascending order, then
/// over the remaining allowed addresses in ascending order (scanner-internals §1.5).
/// </summary>
public sealed class TargetSpace
{
    private readonly uint[] _blocks;
    private readonly int _blockBits;
    private readonly ulong[] _restStart;
    private readonly ulong[] _restEnd;
    private readonly ulong[] _restIndex;

    private TargetSpace(uint[] blocks, int blockBits, List<(ulong Start, ulong End)> rest)
    {
        _blocks = blocks;
        _blockBits = blockBits;
        _restStart = [.. rest.Select(r => r.Start)];
        _restEnd = [.. rest.Select(r => r.End)];
        _restIndex = new ulong[rest.Count];
        var at = (ulong)blocks.Length << blockBits;
        for (var i = 0; i < rest.Count; i++)
        {
            _restIndex[i] = at;
            at += rest[i].End - rest[i].Start;
        }

        Count = at;
    }

    /// <summary>A, the number of allowed addresses.</summary>
    public ulong Count { get; }

    /// <summary>
    /// Builds the space: the allowlist (everything when empty) minus the blocklist (ZMap's default
    /// when null) minus 0.0.0.0, indexed with the radix block size of <paramref name="version"/>.
    /// </summary>
    public static TargetSpace Create(IEnumerable<Ipv4Prefix> allowlist, ZmapVersion version, IEnumerable<Ipv4Prefix>? blocklist = null)
    {
        ArgumentNullException.ThrowIfNull(allowlist);
        var allowed = Normalize(allowlist.Select(p => ((ulong)p.First, p.End)).ToList());
        if (allowed.Count == 0)
        {
            allowed.Add((0UL, 1UL << 32));
        }

        var blocked = Normalize([.. (blocklist ?? DefaultBlocklist.Prefixes).Select(p => ((ulong)p.First, p.End)), (0UL, 1UL)]);
        var intervals = Subtract(allowed, blocked);
        var blockBits = version == ZmapVersion.V211 ? 12 : 14;
        var blockSize = 1UL << blockBits;
        var blocks = new List<uint>();
        var rest = new List<(ulong, ulong)>();
        foreach (var (start, end) in intervals)
        {
            var firstBlock = (start + blockSize - 1) & ~(blockSize - 1);
            var lastBlock = end & ~(blockSize - 1);
            if (firstBlock >= lastBlock)
            {
                rest.Add((start, end));
                continue;
            }

            if (start < firstBlock)
            {
                rest.Add((start, firstBlock));
            }

            for (var b = firstBlock; b < lastBlock; b += blockSize)
            {
                blocks.Add((uint)b);
            }

            if (lastBlock < end)
            {
                rest.Add((lastBlock, end));
            }
        }

        return new TargetSpace([.. blocks], blockBits, rest);
    }

    /// <summary>The address with ZMap index <paramref name="index"/> (0 ≤ index &lt; A).</summary>
    public uint AddressAt(ulong index)
    {
        var blockIndex = index >> _blockBits;
        if (blockIndex < (ulong)_blocks.Length)
        {
            return _blocks[blockIndex] + (uint)(index & ((1UL << _blockBits) - 1));
        }

        var i = Array.BinarySearch(_restIndex, index);
        if (i < 0)
        {
            i = ~i - 1;
        }

        return (uint)(_restStart[i] + (index - _restIndex[i]));
    }

    /// <summary>The ZMap index of an address, or false when the address is not allowed.</summary>
    public bool TryIndexOf(uint address, out ulong index)
    {
        var block = address & ~((1u << _blockBits) - 1);
        var b = Array.BinarySearch(_blocks, block);
        if (b >= 0)
        {
            index = ((ulong)b << _blockBits) + (address - block);
            return true;
        }

        var i = Array.BinarySearch(_restStart, (ulong)address);
        if (i < 0)
        {
            i = ~i - 1;
        }

        if (i >= 0 && address < _restEnd[i])
        {
            index = _restIndex[i] + (address - _restStart[i]);
            return true;
        }

        index = 0;
        return false;
    }

    private static List<(ulong Start, ulong End)> Normalize(List<(ulong Start, ulong End)> intervals)
    {
        intervals.Sort();
        var merged = new List<(ulong Start, ulong End)>();
        foreach (var (s, e) in intervals)
        {
            if (merged.Count > 0 && s <= merged[^1].End)
            {
                merged[^1] = (merged[^1].Start, Math.Max(e, merged[^1].End));
            }
            else
            {
                merged.Add((s, e));
            }
        }

        return merged;
    }

    private static List<(ulong Start, ulong End)> Subtract(List<(ulong Start, ulong End)> allowed, List<(ulong Start, ulong End)> blocked)
    {
        var result = new List<(ulong, ulong)>();
        foreach (var (start, end) in allowed)
        {
            var s = start;
            foreach (var (bs, be) in blocked)
            {
                if (be <= s || bs >= end)
                {
                    continue;
                }

                if (bs > s)
                {
                    result.Add((s, bs));
                }

                s = Math.Max(s, be);
                if (s >= end)
                {
                    break;
                }
            }

            if (s < end)
            {
                result.Add((s, end));
            }
        }

        return result;
    }
}
