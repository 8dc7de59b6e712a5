using System.Text;

namespace ScanScope.Packets;

/// <summary>The kinds of TCP option a layout records.</summary>
public enum TcpOptionKind : byte
{
    None = 0,
    Eol = 1,
    Nop = 2,
    Mss = 3,
    WindowScale = 4,
    SackPermitted = 5,
    Timestamps = 6,
    Sack = 7,
    Other = 15,
}

/// <summary>
/// Which TCP options a packet carries and in what order: up to eight option kinds packed as
/// 4-bit codes, the first option in the lowest nibble. Scanners are told apart by their option
/// strings (ZMap 4.x sends MSS·NOP·WS·NOP·NOP·SACK-perm), so the order matters, not just the set.
/// </summary>
public readonly record struct TcpOptionLayout(uint Packed)
{
    /// <summary>Most options a layout records; later ones are dropped.</summary>
    public const int Capacity = 8;

    /// <summary>No options (data offset 5).</summary>
    public static TcpOptionLayout Empty => default;

    /// <summary>Number of options recorded.</summary>
    public int Count
    {
        get
        {
            var n = 0;
            for (var p = Packed; p != 0 && n < Capacity; p >>= 4)
            {
                n++;
            }

            return n;
        }
    }

    /// <summary>The option at position <paramref name="index"/>.</summary>
    public TcpOptionKind this[int index] => (TcpOptionKind)((Packed >> (4 * index)) & 0xF);

    /// <summary>Builds a layout from option kinds in wire order.</summary>
    public static TcpOptionLayout Of(params ReadOnlySpan<TcpOptionKind> kinds)
    {
        uint packed = 0;
        for (var i = 0; i < kinds.Length && i < Capacity; i++)
        {
            packed |= (uint)kinds[i] << (4 * i);
        }

        return new TcpOptionLayout(packed);
    }

    /// <summary>Appends an option kind; a layout that is full stays as it is.</summary>
    public TcpOptionLayout Append(TcpOptionKind kind)
    {
        var n = Count;
        return n >= Capacity ? this : new TcpOptionLayout(Packed | ((uint)kind << (4 * n)));
    }

    /// <summary>The layout as a comma-separated list such as <c>MSS,NOP,WS,NOP,NOP,SACKOK</c>.</summary>
    public override string ToString()
    {
        if (Packed == 0)
        {
            return string.Empty;
        }

        var sb = new StringBuilder();
        for (var i = 0; i < Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            sb.Append(this[i] switch
            {
                TcpOptionKind.Eol => "EOL",
                TcpOptionKind.Nop => "NOP",
                TcpOptionKind.Mss => "MSS",
                TcpOptionKind.WindowScale => "WS",
                TcpOptionKind.SackPermitted => "SACKOK",
                TcpOptionKind.Timestamps => "TS",
                TcpOptionKind.Sack => "SACK",
                _ => "OTHER",
            });
        }

        return sb.ToString();
    }
}
