using System.Globalization;

namespace ScanScope.Telescope;

/// <summary>
/// An IPv4 address block (CIDR) of the observed space. A minimal stand-in for the capture stage's
/// CIDR type, to be replaced by it when the branches merge.
/// </summary>
public readonly record struct TelescopeBlock(uint Network, int PrefixLength)
{
    /// <summary>Number of addresses in the block.</summary>
    public long Size => 1L << (32 - PrefixLength);

    /// <summary>First address.</summary>
    public uint First => Network;

    /// <summary>Last address.</summary>
    public uint Last => (uint)(Network + Size - 1);

    /// <summary>True when <paramref name="address"/> is inside the block.</summary>
    public bool Contains(uint address) => PrefixLength == 0 || (address >> (32 - PrefixLength)) == (Network >> (32 - PrefixLength));

    /// <summary>Parses "a.b.c.d/n" (or a bare address as /32); host bits must be zero.</summary>
    public static TelescopeBlock Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!TryParse(text, out var block, out var problem))
        {
            throw new FormatException($"'{text}' is not an IPv4 CIDR block: {problem}");
        }

        return block;
    }

    /// <summary>Parses "a.b.c.d/n"; on failure says why.</summary>
    public static bool TryParse(string text, out TelescopeBlock block, out string problem)
    {
        block = default;
        ArgumentNullException.ThrowIfNull(text);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        var prefix = 32;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > 32))
        {
            problem = "the prefix length must be 0 to 32";
            return false;
        }

        var parts = addressText.Split('.');
        uint address = 0;
        if (parts.Length != 4)
        {
            problem = "expected four dotted numbers";
            return false;
        }

        foreach (var part in parts)
        {
            if (!byte.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var octet))
            {
                problem = $"'{part}' is not a number from 0 to 255";
                return false;
            }

            address = (address << 8) | octet;
        }

        var hostMask = prefix == 32 ? 0u : uint.MaxValue >> prefix;
        if ((address & hostMask) != 0)
        {
            problem = $"host bits are set (did you mean {Format(address & ~hostMask)}/{prefix}?)";
            return false;
        }

        block = new TelescopeBlock(address, prefix);
        problem = "";
        return true;
    }

    /// <summary>Dotted-quad notation of an address.</summary>
    public static string Format(uint address) => string.Create(CultureInfo.InvariantCulture, $"{address >> 24}.{(address >> 16) & 255}.{(address >> 8) & 255}.{address & 255}");

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Format(Network)}/{PrefixLength}");
}
