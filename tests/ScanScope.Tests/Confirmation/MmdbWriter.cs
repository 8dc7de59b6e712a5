using System.Text;

namespace ScanScope.Tests.Confirmation;

/// <summary>
/// A minimal MaxMind DB writer for tests (MaxMind.Db only reads): an IPv4 search tree with 24-bit
/// records, a data section of maps, strings and unsigned integers, and the metadata map, as the
/// public MaxMind DB format specification (version 2.0) lays them out.
/// </summary>
internal sealed class MmdbWriter(string databaseType)
{
    private readonly List<(uint Network, int Prefix, Dictionary<string, object> Data)> _networks = [];

    public void Add(uint network, int prefix, Dictionary<string, object> data) => _networks.Add((network, prefix, data));

    public byte[] Build()
    {
        // Tree: node i has records [2i] (bit 0) and [2i + 1] (bit 1); >= 0 node, -1 empty, <= -2 data -(k + 2).
        var records = new List<long> { -1, -1 };
        var data = new MemoryStream();
        var dataOffsets = new List<int>();
        foreach (var (network, prefix, value) in _networks)
        {
            dataOffsets.Add((int)data.Length);
            Encode(data, value);
            var node = 0;
            for (var bit = 0; bit < prefix; bit++)
            {
                var slot = (2 * node) + (int)((network >> (31 - bit)) & 1);
                if (bit == prefix - 1)
                {
                    records[slot] = -(dataOffsets.Count - 1) - 2;
                    break;
                }

                if (records[slot] < 0)
                {
                    records[slot] = records.Count / 2;
                    records.Add(-1);
                    records.Add(-1);
                }

                node = (int)records[slot];
            }
        }

        var nodeCount = records.Count / 2;
        var output = new MemoryStream();
        foreach (var r in records)
        {
            long value = r >= 0 ? r : r == -1 ? nodeCount : nodeCount + 16 + dataOffsets[(int)(-r - 2)];
            output.WriteByte((byte)(value >> 16));
            output.WriteByte((byte)(value >> 8));
            output.WriteByte((byte)value);
        }

        output.Write(new byte[16]);
        data.WriteTo(output);
        output.Write([0xAB, 0xCD, 0xEF]);
        output.Write("MaxMind.com"u8);
        Encode(output, new Dictionary<string, object>
        {
            ["node_count"] = (uint)nodeCount,
            ["record_size"] = (ushort)24,
            ["ip_version"] = (ushort)4,
            ["database_type"] = databaseType,
            ["languages"] = Array.Empty<string>(),
            ["binary_format_major_version"] = (ushort)2,
            ["binary_format_minor_version"] = (ushort)0,
            ["build_epoch"] = (ulong)1_700_000_000,
            ["description"] = new Dictionary<string, object> { ["en"] = "ScanScope test database" },
        });
        return output.ToArray();
    }

    private static void Encode(Stream s, object value)
    {
        switch (value)
        {
            case string text:
                var bytes = Encoding.UTF8.GetBytes(text);
                Control(s, 2, bytes.Length);
                s.Write(bytes);
                break;
            case ushort u16:
                WriteUnsigned(s, 5, u16);
                break;
            case uint u32:
                WriteUnsigned(s, 6, u32);
                break;
            case ulong u64:
                WriteUnsigned(s, 9, u64);
                break;
            case Dictionary<string, object> map:
                Control(s, 7, map.Count);
                foreach (var (k, v) in map)
                {
                    Encode(s, k);
                    Encode(s, v);
                }

                break;
            case string[] array:
                Control(s, 11, array.Length);
                foreach (var item in array)
                {
                    Encode(s, item);
                }

                break;
            default:
                throw new NotSupportedException(value.GetType().Name);
        }
    }

    private static void WriteUnsigned(Stream s, int type, ulong value)
    {
        var length = 0;
        for (var v = value; v != 0; v >>= 8)
        {
            length++;
        }

        Control(s, type, length);
        for (var i = length - 1; i >= 0; i--)
        {
            s.WriteByte((byte)(value >> (8 * i)));
        }
    }

    private static void Control(Stream s, int type, int size)
    {
        var typeBits = type <= 7 ? type : 0;
        if (size < 29)
        {
            s.WriteByte((byte)((typeBits << 5) | size));
        }
        else if (size < 285)
        {
            s.WriteByte((byte)((typeBits << 5) | 29));
        }
        else
        {
            throw new NotSupportedException("long values");
        }

        if (type > 7)
        {
            s.WriteByte((byte)(type - 7));
        }

        if (size is >= 29 and < 285)
        {
            s.WriteByte((byte)(size - 29));
        }
    }
}
