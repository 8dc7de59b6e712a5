using ScanScope.Packets;

namespace ScanScope.Telescope;

/// <summary>
/// The telescope's observed address space: the addresses that could receive traffic, given as CIDR
/// blocks or inferred from the destinations seen.
/// </summary>
public sealed class TelescopeSpace
{
    /// <summary>Prefix length of the blocks an inferred space is made of.</summary>
    public const int InferredPrefixLength = 24;

    private readonly uint[] _firsts;
    private readonly uint[] _lasts;

    /// <summary>Creates the space covered by <paramref name="blocks"/> (overlaps are merged).</summary>
    public TelescopeSpace(IEnumerable<TelescopeBlock> blocks, bool inferred = false)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        Blocks = [.. blocks.Distinct().OrderBy(b => b.Network).ThenBy(b => b.PrefixLength)];
        Inferred = inferred;
        var firsts = new List<uint>();
        var lasts = new List<uint>();
        foreach (var b in Blocks)
        {
            if (lasts.Count > 0 && (long)b.First <= (long)lasts[^1] + 1)
            {
                lasts[^1] = Math.Max(lasts[^1], b.Last);
                continue;
            }

            firsts.Add(b.First);
            lasts.Add(b.Last);
        }

        _firsts = [.. firsts];
        _lasts = [.. lasts];
        for (var i = 0; i < _firsts.Length; i++)
        {
            Size += (long)_lasts[i] - _firsts[i] + 1;
        }
    }

    /// <summary>The blocks, sorted.</summary>
    public IReadOnlyList<TelescopeBlock> Blocks { get; }

    /// <summary>True when the space was inferred from traffic rather than given.</summary>
    public bool Inferred { get; }

    /// <summary>Number of addresses.</summary>
    public long Size { get; }

    /// <summary>Parses CIDR strings ("192.0.2.0/24").</summary>
    public static TelescopeSpace Parse(IEnumerable<string> cidrs) => new((cidrs ?? throw new ArgumentNullException(nameof(cidrs))).Select(TelescopeBlock.Parse));

    /// <summary>
    /// The space inferred from traffic: every /24 that received at least one packet, all its 256
    /// addresses counted as observers (those that never received anything have uptime 0).
    /// </summary>
    public static TelescopeSpace Infer(IEnumerable<uint> destinations)
    {
        ArgumentNullException.ThrowIfNull(destinations);
        const uint mask = uint.MaxValue << (32 - InferredPrefixLength);
        return new TelescopeSpace(destinations.Select(d => d & mask).Distinct().Select(n => new TelescopeBlock(n, InferredPrefixLength)), inferred: true);
    }

    /// <summary>True when <paramref name="address"/> is in the space.</summary>
    public bool Contains(uint address) => CidrSet.InRanges(_firsts, _lasts, address);

    /// <summary>True when every address from <paramref name="first"/> to <paramref name="last"/> is in the space.</summary>
    public bool ContainsAll(uint first, uint last)
    {
        var at = Array.BinarySearch(_firsts, first);
        at = at >= 0 ? at : ~at - 1;
        return at >= 0 && first <= _lasts[at] && last <= _lasts[at];
    }

    /// <summary>Every address of the space, ascending.</summary>
    public IEnumerable<uint> Addresses()
    {
        for (var i = 0; i < _firsts.Length; i++)
        {
            for (var a = (long)_firsts[i]; a <= _lasts[i]; a++)
            {
                yield return (uint)a;
            }
        }
    }

    /// <inheritdoc />
    /// <summary>The blocks as the fewest CIDRs that cover exactly the same addresses (an inferred /16 prints as one /16, not 256 /24s).</summary>
    public override string ToString() => string.Join(',', Aggregate(Blocks));

    private static List<TelescopeBlock> Aggregate(IReadOnlyList<TelescopeBlock> blocks)
    {
        // Blocks are sorted by network; drop those inside an earlier one, then merge aligned pairs until none is left.
        var result = new List<TelescopeBlock>();
        foreach (var b in blocks)
        {
            if (result.Count == 0 || !result[^1].Contains(b.Network))
            {
                result.Add(b);
            }
        }

        for (var merged = true; merged;)
        {
            merged = false;
            for (var i = 0; i + 1 < result.Count; i++)
            {
                var (a, b) = (result[i], result[i + 1]);
                if (a.PrefixLength == b.PrefixLength && a.PrefixLength > 0)
                {
                    var parent = new TelescopeBlock(a.Network & ~(uint)(((1UL << (32 - a.PrefixLength + 1)) - 1)), a.PrefixLength - 1);
                    if (parent.Network == a.Network && b.Network == a.Network + (uint)(1UL << (32 - a.PrefixLength)))
                    {
                        result[i] = parent;
                        result.RemoveAt(i + 1);
                        merged = true;
                    }
                }
            }
        }

        return result;
    }
}
