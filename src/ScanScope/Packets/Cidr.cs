using System.Diagnostics.CodeAnalysis;

namespace ScanScope.Packets;

/// <summary>An IPv4 prefix such as 44.10.0.0/16; addresses are big-endian integers like <see cref="PacketRecord.Src"/>.</summary>
public readonly record struct Cidr
{
    /// <summary>Creates the prefix; host bits of <paramref name="network"/> are cleared.</summary>
    public Cidr(uint network, int prefixLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, 32);
        PrefixLength = prefixLength;
        Network = network & Mask(prefixLength);
    }

    /// <summary>First address of the prefix.</summary>
    public uint Network { get; }

    /// <summary>Number of leading bits that are fixed (0–32).</summary>
    public int PrefixLength { get; }

    /// <summary>Last address of the prefix.</summary>
    public uint Last => Network | ~Mask(PrefixLength);

    /// <summary>Number of addresses (2^(32 − prefix)).</summary>
    public long Size => 1L << (32 - PrefixLength);

    /// <summary>True when <paramref name="address"/> lies in the prefix.</summary>
    public bool Contains(uint address) => (address & Mask(PrefixLength)) == Network;

    /// <summary>Parses "a.b.c.d/n" or a single address "a.b.c.d" (a /32).</summary>
    /// <exception cref="FormatException">Not an IPv4 prefix.</exception>
    public static Cidr Parse(string text)
        => TryParse(text, out var cidr) ? cidr : throw new FormatException($"'{text}' is not an IPv4 prefix such as 44.10.0.0/16");

    /// <summary>Parses "a.b.c.d/n" or "a.b.c.d"; false when <paramref name="text"/> is not one.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out Cidr cidr)
    {
        cidr = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var span = text.AsSpan().Trim();
        var prefix = 32;
        var slash = span.IndexOf('/');
        if (slash >= 0)
        {
            if (!int.TryParse(span[(slash + 1)..], System.Globalization.NumberStyles.None, null, out prefix) || prefix > 32)
            {
                return false;
            }

            span = span[..slash];
        }

        if (!TryParseAddress(span, out var address))
        {
            return false;
        }

        cidr = new Cidr(address, prefix);
        return true;
    }

    /// <summary>Parses a dotted-quad IPv4 address into a big-endian integer.</summary>
    public static bool TryParseAddress(ReadOnlySpan<char> text, out uint address)
    {
        address = 0;
        var parts = 0;
        foreach (var range in text.Split('.'))
        {
            var part = text[range];
            if (parts == 4 || part.Length is 0 or > 3 || !byte.TryParse(part, System.Globalization.NumberStyles.None, null, out var b))
            {
                return false;
            }

            address = (address << 8) | b;
            parts++;
        }

        return parts == 4;
    }

    /// <summary>Formats a big-endian address as a dotted quad.</summary>
    public static string FormatAddress(uint address) => $"{address >> 24}.{(address >> 16) & 0xFF}.{(address >> 8) & 0xFF}.{address & 0xFF}";

    /// <summary>"a.b.c.d/n".</summary>
    public override string ToString() => $"{FormatAddress(Network)}/{PrefixLength}";

    private static uint Mask(int prefixLength) => prefixLength == 0 ? 0 : uint.MaxValue << (32 - prefixLength);
}
