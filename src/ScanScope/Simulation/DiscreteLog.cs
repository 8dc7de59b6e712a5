namespace ScanScope.Simulation;

/// <summary>
/// Discrete logarithms base the table's primitive root r in one of ZMap's groups, by
/// Pohlig–Hellman over the small prime factors of p−1 (baby-step giant-step per factor).
/// λ(x) is the exponent with r^λ(x) = x. One instance per group holds the precomputed tables.
/// </summary>
public sealed class DiscreteLog
{
    private static readonly Dictionary<ulong, DiscreteLog> Cache = [];
    private readonly CyclicGroup _group;
    private readonly Montgomery _m;
    private readonly Part[] _parts;

    private DiscreteLog(CyclicGroup group)
    {
        _group = group;
        _m = group.Arithmetic;
        var order = group.Order;
        var parts = new List<Part>();
        foreach (var q in group.Factors)
        {
            var e = 0;
            ulong qe = 1;
            var rest = order;
            while (rest % q == 0)
            {
                rest /= q;
                qe *= q;
                e++;
            }

            parts.Add(new Part(q, e, qe, order / qe, _m, group.Root, order));
        }

        _parts = [.. parts];
    }

    /// <summary>The shared instance for a group (tables are built on first use).</summary>
    public static DiscreteLog For(CyclicGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        lock (Cache)
        {
            if (!Cache.TryGetValue(group.Prime, out var log))
            {
                log = new DiscreteLog(group);
                Cache[group.Prime] = log;
            }

            return log;
        }
    }

    /// <summary>λ(x) for 1 ≤ x &lt; p.</summary>
    public ulong Log(ulong x)
    {
        if (x == 0 || x >= _group.Prime)
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "element outside [1, p−1]");
        }

        var xm = _m.ToMontgomery(x);
        UInt128 sum = 0;
        var order = _group.Order;
        foreach (var part in _parts)
        {
            var a = part.Solve(_m, _m.PowMontgomery(xm, part.Cofactor));
            sum = (sum + ((UInt128)a * part.CrtWeight)) % order;
        }

        return (ulong)sum;
    }

    /// <summary>λ of every element, in parallel.</summary>
    public ulong[] Logs(IReadOnlyList<ulong> elements)
    {
        ArgumentNullException.ThrowIfNull(elements);
        var result = new ulong[elements.Count];
        Parallel.For(0, elements.Count, i => result[i] = Log(elements[i]));
        return result;
    }

    /// <summary>a⁻¹ mod n, or null when gcd(a, n) ≠ 1.</summary>
    public static ulong? Inverse(ulong a, ulong n)
    {
        Int128 t = 0, newT = 1, r = n, newR = a % n;
        while (newR != 0)
        {
            var quotient = r / newR;
            (t, newT) = (newT, t - (quotient * newT));
            (r, newR) = (newR, r - (quotient * newR));
        }

        if (r != 1)
        {
            return null;
        }

        if (t < 0)
        {
            t += n;
        }

        return (ulong)t;
    }

    private sealed class Part
    {
        private readonly ulong _q;
        private readonly int _e;
        private readonly ulong _generatorInverse;
        private readonly Dictionary<ulong, uint> _baby;
        private readonly ulong _babyCount;
        private readonly ulong _giant;

        public Part(ulong q, int e, ulong qe, ulong cofactor, Montgomery m, ulong root, ulong order)
        {
            _q = q;
            _e = e;
            Cofactor = cofactor;
            var inverse = Inverse(cofactor % qe, qe) ?? throw new InvalidOperationException("cofactor not invertible");
            CrtWeight = (ulong)((UInt128)cofactor * inverse % order);
            var rootM = m.ToMontgomery(root);
            _generatorInverse = m.PowMontgomery(rootM, order - cofactor);
            var gamma = m.PowMontgomery(rootM, order / q);
            _babyCount = Math.Min(q, Math.Max((ulong)Math.Ceiling(Math.Sqrt(q)), 1UL << 16));
            _baby = new Dictionary<ulong, uint>((int)_babyCount);
            var g = m.One;
            for (uint d = 0; d < _babyCount; d++)
            {
                _baby.TryAdd(g, d);
                g = m.Mul(g, gamma);
            }

            _giant = m.PowMontgomery(m.PowMontgomery(gamma, order - 1), _babyCount);
        }

        public ulong Cofactor { get; }

        public ulong CrtWeight { get; }

        public ulong Solve(Montgomery m, ulong xq)
        {
            // x_q has order dividing q^e; extract its log base r^(Q/q^e) digit by digit in base q.
            ulong a = 0;
            ulong qk = 1;
            for (var k = 0; k < _e; k++)
            {
                var h = m.Mul(xq, m.PowMontgomery(_generatorInverse, a));
                var power = (UInt128)1;
                for (var i = 0; i < _e - 1 - k; i++)
                {
                    power *= _q;
                }

                h = m.PowMontgomery(h, power);
                a += LogGamma(m, h) * qk;
                qk *= _q;
            }

            return a;
        }

        private ulong LogGamma(Montgomery m, ulong h)
        {
            var steps = (_q + _babyCount - 1) / _babyCount;
            for (ulong i = 0; i <= steps; i++)
            {
                if (_baby.TryGetValue(h, out var d))
                {
                    return (i * _babyCount) + d;
                }

                h = m.Mul(h, _giant);
            }

            throw new InvalidOperationException("discrete logarithm not found: element outside the subgroup");
        }
    }
}
