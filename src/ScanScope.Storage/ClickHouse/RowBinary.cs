using System.Buffers.Binary;
using System.Text;

namespace ScanScope.Storage.ClickHouse;

/// <summary>Appends values in ClickHouse's RowBinary encoding (little endian; strings as LEB128 length + UTF-8).</summary>
internal static class RowBinary
{
    public static void String(Stream s, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        for (var n = (uint)bytes.Length; ; n >>= 7)
        {
            if (n < 0x80)
            {
                s.WriteByte((byte)n);
                break;
            }

            s.WriteByte((byte)(n | 0x80));
        }

        s.Write(bytes);
    }

    public static void Int64(Stream s, long value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(b, value);
        s.Write(b);
    }

    public static void UInt64(Stream s, ulong value) => Int64(s, unchecked((long)value));

    public static void Int32(Stream s, int value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, value);
        s.Write(b);
    }

    public static void UInt32(Stream s, uint value) => Int32(s, unchecked((int)value));

    public static void Float64(Stream s, double value) => Int64(s, BitConverter.DoubleToInt64Bits(value));
}
