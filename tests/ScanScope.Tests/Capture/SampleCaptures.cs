using System.Buffers.Binary;
using System.IO.Compression;
using ScanScope.Capture;
using ScanScope.Packets;

namespace ScanScope.Tests.Capture;

/// <summary>
/// Makes the captures in tests/Fixtures (deterministically): the demo telescope capture and the
/// damaged files. <see cref="FixtureTests"/> checks that the committed files are what this writes;
/// run the tests with SCANSCOPE_WRITE_FIXTURES=1 to write them again.
/// </summary>
internal static class SampleCaptures
{
    public const uint Telescope = 0x2C0A0000; // 44.10.0.0/16

    /// <summary>A small telescope hour: scanner SYNs of every toolchain, background, and non-TCP records.</summary>
    public static byte[] DemoTelescope(int packets = 3000)
    {
        var random = new Random(2024);
        using var ms = new MemoryStream();
        using (var writer = new PcapWriter(ms, LinkType.Ethernet, ownsStream: false))
        {
            var ts = 1_709_251_200_000_000_000L; // 2024-03-01T00:00:00Z
            for (var i = 0; i < packets; i++)
            {
                ts += random.Next(1, 2_000_000) * 1000L;
                if (i % 100 == 99)
                {
                    writer.WriteRaw(ts, i % 200 == 99 ? Udp() : Ipv6Syn(), i % 200 == 99 ? 42 : 74);
                    continue;
                }

                writer.Write(Probe(random, ts));
            }
        }

        return ms.ToArray();
    }

    /// <summary>One probe of a random toolchain, built from the documented header formulas.</summary>
    public static PacketRecord Probe(Random random, long ts)
    {
        var dst = Telescope | (uint)random.Next(65536);
        var seq = (uint)random.NextInt64(1L << 32);
        var p = new PacketRecord
        {
            TimestampNs = ts, Src = 0x05000000u | (uint)random.Next(1 << 20), Dst = dst, Seq = seq,
            SrcPort = (ushort)random.Next(32768, 61001), DstPort = (ushort)(random.Next(3) == 0 ? 443 : random.Next(2) == 0 ? 80 : random.Next(1, 65536)),
            Ttl = (byte)random.Next(40, 250), Flags = TcpFlags.Syn, Window = 65535, IpId = (ushort)random.Next(65536),
        };
        return random.Next(10) switch
        {
            0 or 1 or 2 => p with { IpId = Fingerprints.ZMapIpId },
            3 or 4 => p with { Options = Fingerprints.ZMapWindowsLayout, Mss = 1460, WindowScale = 8 },
            5 => p with { Window = 1024, IpId = (ushort)(dst ^ p.DstPort ^ seq) },
            6 => p with { Seq = dst, DstPort = 23, Window = (ushort)random.Next(1, 65536) },
            7 => p with { Window = 1024, Options = Fingerprints.MssOnlyLayout, Mss = 1460 },
            8 => p with { Flags = TcpFlags.Rst | TcpFlags.Ack, Ack = 1, IpId = (ushort)random.Next(1, 50000) },
            _ => p with { IpId = (ushort)random.Next(1, 50000), Window = 29200, Options = TcpOptionLayout.Of(TcpOptionKind.Mss, TcpOptionKind.SackPermitted, TcpOptionKind.Timestamps, TcpOptionKind.Nop, TcpOptionKind.WindowScale), Mss = 1460, WindowScale = 7 },
        };
    }

    /// <summary>A small good pcap (50 records) that the damaged fixtures start from.</summary>
    public static byte[] Small() => DemoTelescope(50);

    /// <summary>Offsets of each record header in a little-endian classic pcap.</summary>
    public static List<int> RecordOffsets(byte[] pcap)
    {
        var offsets = new List<int>();
        for (var at = 24; at + 16 <= pcap.Length; at += 16 + BinaryPrimitives.ReadInt32LittleEndian(pcap.AsSpan(at + 8)))
        {
            offsets.Add(at);
        }

        return offsets;
    }

    /// <summary>The damaged fixtures, by file name.</summary>
    public static IReadOnlyDictionary<string, byte[]> Damaged()
    {
        var good = Small();
        var records = RecordOffsets(good);
        var files = new Dictionary<string, byte[]>
        {
            ["empty.pcap"] = [],
            ["short-header.pcap"] = good[..10],
            ["wrong-magic.pcap"] = Patch(good, 0, [0x0D, 0xF0, 0xAD, 0xDE]),
            ["truncated-record.pcap"] = good[..(records[^1] + 30)],
            ["truncated-header.pcap"] = good[..(records[^1] + 7)],
            ["caplen-beyond-snaplen.pcap"] = PatchInt(good, records[10] + 8, 70000),
            ["caplen-beyond-file.pcap"] = PatchInt(good, records[^1] + 8, 60000),
            ["garbage-in-record.pcap"] = Fill(good, records[5] + 16 + 14, 20, 0xFF),
            ["not-a-capture.pcap"] = "GET / HTTP/1.1\r\nHost: example\r\n\r\n"u8.ToArray(),
            ["cut.pcap.gz"] = Gzip(good)[..300],
            ["twice.pcap.gz"] = Gzip(Gzip(good)),
        };
        using var ng = PcapNg.FromPcap(good);
        files["bad-block-length.pcapng"] = PatchInt(ng.Bytes, ng.BlockOffsets[5] + 4, 13);
        files["trailing-length-mismatch.pcapng"] = PatchInt(ng.Bytes, ng.BlockOffsets[8] + 4, BinaryPrimitives.ReadInt32LittleEndian(ng.Bytes.AsSpan(ng.BlockOffsets[8] + 4)) + 8);
        files["truncated-block.pcapng"] = ng.Bytes[..(ng.BlockOffsets[^1] + 20)];
        return files;
    }

    public static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true))
        {
            gz.Write(data);
        }

        return ms.ToArray();
    }

    public static byte[] Zstd(byte[] data)
    {
        using var compressor = new ZstdSharp.Compressor(3);
        return compressor.Wrap(data).ToArray();
    }

    private static byte[] Patch(byte[] data, int at, byte[] bytes)
    {
        var copy = (byte[])data.Clone();
        bytes.CopyTo(copy, at);
        return copy;
    }

    private static byte[] PatchInt(byte[] data, int at, int value)
    {
        var copy = (byte[])data.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(copy.AsSpan(at), value);
        return copy;
    }

    private static byte[] Fill(byte[] data, int at, int count, byte value)
    {
        var copy = (byte[])data.Clone();
        copy.AsSpan(at, count).Fill(value);
        return copy;
    }

    private static byte[] Udp()
    {
        var frame = new byte[42];
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x0800);
        frame[14] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(16), 28);
        frame[22] = 64;
        frame[23] = 17;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(26), 0x08080808);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(30), Telescope | 53);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(34), 5353);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(36), 53);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(38), 8);
        return frame;
    }

    private static byte[] Ipv6Syn()
    {
        var frame = new byte[74];
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x86DD);
        frame[14] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(18), 20);
        frame[20] = 6;
        frame[21] = 64;
        frame[14 + 40 + 12] = 0x50;
        frame[14 + 40 + 13] = 0x02;
        return frame;
    }
}

/// <summary>A minimal pcapng writer for tests: sections, interfaces with options, EPB, SPB, obsolete PB.</summary>
internal sealed class PcapNg : IDisposable
{
    private readonly MemoryStream _ms = new();
    private bool _bigEndian;

    public List<int> BlockOffsets { get; } = [];

    public byte[] Bytes => _ms.ToArray();

    /// <summary>The same records as a one-interface pcapng (µs resolution), little-endian.</summary>
    public static PcapNg FromPcap(byte[] pcap, byte resolution = 6)
    {
        var ng = new PcapNg();
        ng.Section(bigEndian: false);
        ng.Interface(LinkType.Ethernet, 65535, resolution);
        foreach (var at in SampleCaptures.RecordOffsets(pcap))
        {
            var seconds = BinaryPrimitives.ReadUInt32LittleEndian(pcap.AsSpan(at));
            var micros = BinaryPrimitives.ReadUInt32LittleEndian(pcap.AsSpan(at + 4));
            var length = BinaryPrimitives.ReadInt32LittleEndian(pcap.AsSpan(at + 8));
            var ns = (seconds * 1_000_000_000L) + (micros * 1000L);
            ng.Enhanced(0, resolution == 9 ? (ulong)ns : (ulong)(ns / 1000), pcap.AsSpan(at + 16, length));
        }

        return ng;
    }

    public PcapNg Section(bool bigEndian)
    {
        _bigEndian = bigEndian;
        var body = new byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(body, bigEndian ? 0x1A2B3C4Du : 0x4D3C2B1Au);
        U16(body.AsSpan(4), 1);
        U16(body.AsSpan(6), 0);
        BinaryPrimitives.WriteInt64LittleEndian(body.AsSpan(8), -1);
        return Block(PcapNgReader.SectionHeaderType, body);
    }

    public PcapNg Interface(LinkType linkType, uint snapLength, byte? resolution = null, long? offsetSeconds = null)
    {
        var head = new byte[8];
        U16(head, (ushort)linkType);
        U32(head.AsSpan(4), snapLength);
        var body = new List<byte>(head);
        if (resolution is { } r)
        {
            body.AddRange(Option(9, [r]));
        }

        if (offsetSeconds is { } o)
        {
            var v = new byte[8];
            if (_bigEndian)
            {
                BinaryPrimitives.WriteInt64BigEndian(v, o);
            }
            else
            {
                BinaryPrimitives.WriteInt64LittleEndian(v, o);
            }

            body.AddRange(Option(14, v));
        }

        body.AddRange(new byte[4]);
        return Block(1, [.. body]);
    }

    public PcapNg Enhanced(uint interfaceId, ulong units, ReadOnlySpan<byte> frame)
    {
        var body = new byte[20 + Pad(frame.Length)];
        U32(body, interfaceId);
        U32(body.AsSpan(4), (uint)(units >> 32));
        U32(body.AsSpan(8), (uint)units);
        U32(body.AsSpan(12), (uint)frame.Length);
        U32(body.AsSpan(16), (uint)frame.Length);
        frame.CopyTo(body.AsSpan(20));
        return Block(6, body);
    }

    public PcapNg Simple(ReadOnlySpan<byte> frame)
    {
        var body = new byte[4 + Pad(frame.Length)];
        U32(body, (uint)frame.Length);
        frame.CopyTo(body.AsSpan(4));
        return Block(3, body);
    }

    public PcapNg Obsolete(ushort interfaceId, ulong units, ReadOnlySpan<byte> frame)
    {
        var body = new byte[20 + Pad(frame.Length)];
        U16(body, interfaceId);
        U32(body.AsSpan(4), (uint)(units >> 32));
        U32(body.AsSpan(8), (uint)units);
        U32(body.AsSpan(12), (uint)frame.Length);
        U32(body.AsSpan(16), (uint)frame.Length);
        frame.CopyTo(body.AsSpan(20));
        return Block(2, body);
    }

    public PcapNg Block(uint type, byte[] body)
    {
        BlockOffsets.Add((int)_ms.Length);
        var length = (uint)(12 + body.Length);
        var word = new byte[4];
        U32(word, type);
        _ms.Write(word);
        U32(word, length);
        _ms.Write(word);
        _ms.Write(body);
        _ms.Write(word);
        return this;
    }

    public void Dispose() => _ms.Dispose();

    private static int Pad(int n) => (n + 3) & ~3;

    private byte[] Option(ushort code, byte[] value)
    {
        var o = new byte[4 + Pad(value.Length)];
        U16(o, code);
        U16(o.AsSpan(2), (ushort)value.Length);
        value.CopyTo(o, 4);
        return o;
    }

    private void U16(Span<byte> s, ushort v)
    {
        if (_bigEndian)
        {
            BinaryPrimitives.WriteUInt16BigEndian(s, v);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(s, v);
        }
    }

    private void U32(Span<byte> s, uint v)
    {
        if (_bigEndian)
        {
            BinaryPrimitives.WriteUInt32BigEndian(s, v);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(s, v);
        }
    }
}
