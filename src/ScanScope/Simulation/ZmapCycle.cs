namespace ScanScope.Simulation;

/// <summary>
/// The (p, g, o) that every shard of a seeded ZMap scan derives (scanner-internals §1.2–§1.4).
/// In 2.1.1 the elements are o·g^(j+1); in 4.x they are g^(o+k).
/// </summary>
/// <param name="Version">The ZMap scheme.</param>
/// <param name="Group">The cyclic group chosen from A (and the port count in 4.x).</param>
/// <param name="Generator">g.</param>
/// <param name="Offset">o: a multiplier in 2.1.1, an exponent shift in 4.x.</param>
public sealed record ZmapCycle(ZmapVersion Version, CyclicGroup Group, ulong Generator, ulong Offset)
{
    /// <summary>Derives the cycle from a seed, as every shard process does.</summary>
    public static ZmapCycle FromSeed(ZmapVersion version, ulong seed, ulong allowed, int portCount)
    {
        var group = CyclicGroup.Select(version, allowed, portCount);
        using var random = new AesRandom(seed, version);
        var w1 = random.NextWord();
        var generator = version == ZmapVersion.V211 ? Generator211(group, w1) : Generator4(group, w1);
        var offset = (random.NextWord() & 0xFFFF_FFFF) % group.Prime;
        return new ZmapCycle(version, group, generator, offset);
    }

    /// <summary>The exponent s with g = r^s in 2.1.1 (before the uint32 store), for reference.</summary>
    public static ulong GeneratorExponent211(CyclicGroup group, ulong word1)
    {
        ArgumentNullException.ThrowIfNull(group);
        var s = (word1 & 0xFFFF_FFFF) % group.Prime;
        if (s == 0)
        {
            s = 1;
        }

        while (s == 1 || !CoprimeToOrder(group, s))
        {
            s++;
            if (s >= group.Prime)
            {
                s = 1;
            }
        }

        return s;
    }

    private static ulong Generator211(CyclicGroup group, ulong word1)
    {
        var s = GeneratorExponent211(group, word1);

        // ZMap 2.1.1 returns the root from a uint32_t function.
        return (uint)group.Power(group.Root, s);
    }

    private static ulong Generator4(CyclicGroup group, ulong word1)
    {
        const uint maxRoot = 1u << 22;
        var candidate = (uint)((word1 & 0xFFFF_FFFF) % group.Prime);
        while (true)
        {
            candidate += 1;
            candidate = (uint)(candidate % group.Prime);
            candidate %= maxRoot;
            if (candidate == 0)
            {
                continue;
            }

            var ok = true;
            foreach (var q in group.Factors)
            {
                if (group.Power(candidate, group.Order / q) == 1)
                {
                    ok = false;
                    break;
                }
            }

            if (ok)
            {
                return candidate;
            }
        }
    }

    private static bool CoprimeToOrder(CyclicGroup group, ulong s)
    {
        foreach (var f in group.Factors)
        {
            if (s % f == 0)
            {
                return false;
            }
        }

        return true;
    }
}
