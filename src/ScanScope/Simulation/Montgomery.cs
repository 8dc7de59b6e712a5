namespace ScanScope.Simulation;

/// <summary>
/// Montgomery arithmetic modulo an odd N below 2^63: one 64×64→128 multiply and one reduction
/// per product, instead of a 128-bit division. Values passed to <see cref="Mul"/> are in
/// Montgomery form (a·2^64 mod N).
/// </summary>
internal readonly struct Montgomery
{
    private readonly ulong _negInverse;
    private readonly ulong _r2;

    public Montgomery(ulong modulus)
    {
        if ((modulus & 1) == 0 || modulus >= 1UL << 63)
        {
            throw new ArgumentOutOfRangeException(nameof(modulus), modulus, "modulus must be odd and below 2^63");
        }

        Modulus = modulus;
        var inverse = modulus;
        for (var i = 0; i < 6; i++)
        {
            inverse *= 2 - (modulus * inverse);
        }

        _negInverse = 0 - inverse;
        var r1 = (ulong)(((UInt128)1 << 64) % modulus);
        _r2 = (ulong)((UInt128)r1 * r1 % modulus);
        One = r1;
    }

    public ulong Modulus { get; }

    /// <summary>1 in Montgomery form.</summary>
    public ulong One { get; }

    public ulong ToMontgomery(ulong a) => Mul(a % Modulus, _r2);

    public ulong FromMontgomery(ulong a) => Reduce(0, a);

    public ulong Mul(ulong a, ulong b)
    {
        var hi = Math.BigMul(a, b, out var lo);
        return Reduce(hi, lo);
    }

    /// <summary>a·b mod N for plain values, where <paramref name="bMontgomery"/> is b in Montgomery form.</summary>
    public ulong MulPlain(ulong a, ulong bMontgomery) => Mul(a, bMontgomery);

    /// <summary>a^e mod N for plain values.</summary>
    public ulong Pow(ulong a, UInt128 e) => FromMontgomery(PowMontgomery(ToMontgomery(a), e));

    public ulong PowMontgomery(ulong aM, UInt128 e)
    {
        var result = One;
        var b = aM;
        while (e != 0)
        {
            if ((e & 1) != 0)
            {
                result = Mul(result, b);
            }

            e >>= 1;
            if (e != 0)
            {
                b = Mul(b, b);
            }
        }

        return result;
    }

    private ulong Reduce(ulong hi, ulong lo)
    {
        var m = lo * _negInverse;
        var mh = Math.BigMul(m, Modulus, out _);
        var t = hi + mh + (lo != 0 ? 1UL : 0UL);
        return t >= Modulus ? t - Modulus : t;
    }
}
