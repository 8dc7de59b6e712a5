using System.Globalization;
using System.Net;

namespace ScanScope.Simulation;

/// <summary>An IPv4 prefix (CIDR block); addresses are 32-bit big-endian integers.</summary>
public readonly record struct Ipv4Prefix(uint Network, int Length)
{
    /// <summary>First address.</summary>
    public uint First => Length == 0 ? 0 : Network & (uint.MaxValue << (32 - Length));

    /// <summary>Number of addresses.</summary>
    public ulong Size => 1UL << (32 - Length);

    /// <summary>One past the last address, as a 64-bit value.</summary>
    public ulong End => First + Size;

    /// <summary>True when the prefix contains the address.</summary>
    public bool Contains(uint address) => address >= First && address < End;

    /// <summary>Parses <c>a.b.c.d/len</c> or a bare address (a /32).</summary>
    public static Ipv4Prefix Parse(string text)
    {
        if (!TryParse(text, out var prefix))
        {
            throw new FormatException($"not an IPv4 CIDR block: '{text}'");
        }

        return prefix;
    }

    /// <summary>Tries to parse <c>a.b.c.d/len</c> or a bare address.</summary>
    public static bool TryParse(string text, out Ipv4Prefix prefix)
    {
        prefix = default;
        ArgumentNullException.ThrowIfNull(text);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        var length = 32;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > 32))
        {
            return false;
        }

        if (!TryParseAddress(addressText, out var address))
        {
            return false;
        }

        prefix = new Ipv4Prefix(address, length);
        prefix = new Ipv4Prefix(prefix.First, length);
        return true;
    }

    /// <summary>Parses a dotted-quad address.</summary>
    public static bool TryParseAddress(string text, out uint address)
    {
        address = 0;
        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        foreach (var part in parts)
        {
            if (!byte.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var b))
            {
                return false;
            }

            address = (address << 8) | b;
        }

        return true;
    }

    /// <summary>Formats an address as a dotted quad.</summary>
    public static string Format(uint address) =>
        string.Create(CultureInfo.InvariantCulture, $"{address >> 24}.{(address >> 16) & 0xFF}.{(address >> 8) & 0xFF}.{address & 0xFF}");

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Format(First)}/{Length}");

    internal static IPAddress ToIpAddress(uint address) => new([(byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address]);
}
