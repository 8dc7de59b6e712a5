namespace ScanScope.Simulation;

/// <summary>
/// One of ZMap's multiplicative groups (Z/pZ)*: the prime, the known primitive root and the
/// distinct prime factors of p−1 (scanner-internals §1.2).
/// </summary>
public sealed class CyclicGroup
{
    private static readonly CyclicGroup[] Table =
    [
        new(257, 3, [2], false),
        new(65_537, 3, [2], false),
        new(16_777_259, 2, [2, 23, 103, 3541], false),
        new(268_435_459, 2, [2, 3, 19, 87211], false),
        new(4_294_967_311, 3, [2, 3, 5, 131, 364289], false),
        new(8_589_934_609, 19, [2, 3, 59, 3033169], true),
        new(17_179_869_209, 3, [2, 83, 1277, 20261], true),
        new(68_719_476_767, 5, [2, 163, 883, 238727], true),
        new(1_099_511_627_791, 3, [2, 3, 5, 36650387593], true),
        new(17_592_186_044_423, 5, [2, 11, 53, 97, 155542661], true),
        new(281_474_976_710_677, 6, [2, 3, 7, 1361, 2462081249], true),
    ];

    private CyclicGroup(ulong prime, ulong root, ulong[] factors, bool v4Only)
    {
        Prime = prime;
        Root = root;
        Factors = factors;
        V4Only = v4Only;
        Arithmetic = new Montgomery(prime);
    }

    /// <summary>The prime p.</summary>
    public ulong Prime { get; }

    /// <summary>The group order p−1.</summary>
    public ulong Order => Prime - 1;

    /// <summary>The known primitive root r from ZMap's table.</summary>
    public ulong Root { get; }

    /// <summary>The distinct prime factors of p−1.</summary>
    public IReadOnlyList<ulong> Factors { get; }

    internal bool V4Only { get; }

    internal Montgomery Arithmetic { get; }

    /// <summary>Every group in ZMap's table, smallest first.</summary>
    public static IReadOnlyList<CyclicGroup> All => Table;

    /// <summary>
    /// The group ZMap picks: the first p strictly greater than A (2.1.1) or than
    /// 2^(⌈log2 A⌉ + ⌈log2 P⌉) (4.x).
    /// </summary>
    public static CyclicGroup Select(ZmapVersion version, ulong allowed, int portCount)
    {
        var minimum = version == ZmapVersion.V211
            ? allowed
            : 1UL << (CeilLog2(allowed) + CeilLog2((ulong)portCount));
        foreach (var g in Table)
        {
            if (g.Prime > minimum && (version == ZmapVersion.V4 || !g.V4Only))
            {
                return g;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(allowed), allowed, "no ZMap group is large enough");
    }

    /// <summary>⌈log2 x⌉, with ⌈log2 1⌉ = 0.</summary>
    public static int CeilLog2(ulong x) => x <= 1 ? 0 : 64 - System.Numerics.BitOperations.LeadingZeroCount(x - 1);

    /// <summary>a·b mod p.</summary>
    public ulong Multiply(ulong a, ulong b) => (ulong)((UInt128)a * b % Prime);

    /// <summary>a^e mod p.</summary>
    public ulong Power(ulong a, UInt128 e) => Arithmetic.Pow(a, e);

    /// <inheritdoc />
    public override string ToString() => $"(Z/{Prime}Z)*";
}
