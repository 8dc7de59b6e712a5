using System.Collections;
using System.Globalization;

namespace ScanScope.Packets;

/// <summary>A set of TCP ports as a 65,536-bit map (one bit test per packet).</summary>
public sealed class PortSet
{
    private readonly BitArray _bits = new(65536);
    private readonly string _text;

    private PortSet(string text) => _text = text;

    /// <summary>Number of ports in the set.</summary>
    public int Count { get; private set; }

    /// <summary>Parses "80,443,8000-8100".</summary>
    /// <exception cref="FormatException">An element is not a port or an ascending range of ports.</exception>
    public static PortSet Parse(string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var set = new PortSet(list);
        foreach (var item in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = item.IndexOf('-', StringComparison.Ordinal);
            var (first, last) = dash < 0 ? (ParsePort(item), ParsePort(item)) : (ParsePort(item[..dash]), ParsePort(item[(dash + 1)..]));
            if (last < first)
            {
                throw new FormatException($"port range '{item}' runs backwards");
            }

            for (var p = first; p <= last; p++)
            {
                set.Add((ushort)p);
            }
        }

        return set.Count > 0 ? set : throw new FormatException("no port given");
    }

    /// <summary>A set of the given ports.</summary>
    public static PortSet Of(params ReadOnlySpan<ushort> ports)
    {
        var set = new PortSet(string.Join(",", ports.ToArray()));
        foreach (var p in ports)
        {
            set.Add(p);
        }

        return set;
    }

    /// <summary>True when <paramref name="port"/> is in the set.</summary>
    public bool Contains(ushort port) => _bits[port];

    /// <summary>The list as it was given.</summary>
    public override string ToString() => _text;

    private void Add(ushort port)
    {
        if (!_bits[port])
        {
            _bits[port] = true;
            Count++;
        }
    }

    private static int ParsePort(string s)
        => int.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p <= 65535
            ? p
            : throw new FormatException($"'{s}' is not a port (0–65535)");
}
