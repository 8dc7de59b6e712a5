using System.Buffers.Binary;
using ScanScope.Packets;

namespace ScanScope.Capture;

/// <summary>
/// Reads pcapng files: section header, interface description (with <c>if_tsresol</c> and
/// <c>if_tsoffset</c>), enhanced, simple and obsolete packet blocks; several interfaces and
/// several sections (each with its own byte order); other blocks are stepped over.
/// </summary>
/// <remarks>
/// A block with an impossible length (under 12, not a multiple of 4, beyond 64 MiB, or not equal
/// to its trailing copy) is damage: it is skipped and reading resumes at the next offset where a
/// known block type with a consistent length starts. A simple packet block has no timestamp: it
/// gets the previous packet's, and does not move the capture's time span.
/// </remarks>
public sealed class PcapNgReader : IPacketReader
{
    /// <summary>Block type of the section header block (a palindrome, the same in both byte orders).</summary>
    public const uint SectionHeaderType = 0x0A0D0D0A;

    /// <summary>Byte-order magic of a section header block.</summary>
    public const uint ByteOrderMagic = 0x1A2B3C4D;

    private const uint InterfaceDescriptionType = 1;
    private const uint ObsoletePacketType = 2;
    private const uint SimplePacketType = 3;
    private const uint EnhancedPacketType = 6;
    private const int MaxBlockLength = 64 << 20;
    private const int BlockOverhead = 12;

    private readonly ReaderCore _core;
    private readonly CaptureBuffer _in;
    private readonly List<Interface> _interfaces = [];
    private bool _swap;
    private bool _inSection;
    private long _lastTimestampNs;

    internal PcapNgReader(ReaderCore core)
    {
        _core = core;
        _in = core.Input;
        if (!_in.Ensure(BlockOverhead))
        {
            _core.CheckInputError();
            CaptureFormatException.Throw(core.Path, _in.Available, _in.Available == 0 ? "empty file" : "file ends inside the pcapng section header");
        }
    }

    /// <summary>Sections read so far.</summary>
    public int Sections { get; private set; }

    /// <summary>Interfaces described in the current section.</summary>
    public int Interfaces => _interfaces.Count;

    /// <inheritdoc />
    public CaptureCounters Counters => _core.Counters;

    /// <inheritdoc />
    public bool TryRead(out PacketRecord packet)
    {
        var input = _in;
        while (true)
        {
            if (!input.Ensure(BlockOverhead))
            {
                if (_core.CheckInputError() || input.Available == 0)
                {
                    packet = default;
                    return false;
                }

                _core.Damage(input.Offset, $"file ends inside a block header ({input.Available} of {BlockOverhead} bytes)");
                input.Start = input.End;
                continue;
            }

            var start = input.Start;
            var type = ReadUInt32(input.Buffer.AsSpan(start));
            if (type == SectionHeaderType)
            {
                var magic = BinaryPrimitives.ReadUInt32LittleEndian(input.Buffer.AsSpan(start + 8));
                if (magic is not (ByteOrderMagic or 0x4D3C2B1A))
                {
                    if (Sections == 0)
                    {
                        CaptureFormatException.Throw(_core.Path, input.OffsetOf(start + 8), $"bad pcapng byte-order magic 0x{magic:X8}");
                    }

                    _core.Damage(input.OffsetOf(start + 8), $"bad pcapng byte-order magic 0x{magic:X8}");
                    Resync();
                    continue;
                }

                _swap = magic != ByteOrderMagic;
            }
            else if (!_inSection)
            {
                CaptureFormatException.Throw(_core.Path, input.OffsetOf(start), "not a pcapng file (no section header block first)");
            }

            var length = ReadUInt32(input.Buffer.AsSpan(start + 4));
            if (length < BlockOverhead || length % 4 != 0 || length > MaxBlockLength)
            {
                _core.Damage(input.OffsetOf(start + 4), $"block length {length} is invalid");
                Resync();
                continue;
            }

            if (input.End - start < length)
            {
                if (!input.Ensure((int)length))
                {
                    if (!_core.CheckInputError())
                    {
                        _core.Damage(input.Offset, $"file ends inside a block of {length} bytes ({input.Available} present)");
                        input.Start = input.End;
                    }

                    continue;
                }

                start = input.Start;
            }

            var block = input.Buffer.AsSpan(start, (int)length);
            var trailing = ReadUInt32(block[^4..]);
            if (trailing != length)
            {
                _core.Damage(input.OffsetOf(start + 4), $"block length {length} differs from its trailing copy {trailing}");
                Resync();
                continue;
            }

            input.Start = start + (int)length;
            var body = block[8..^4];
            switch (type)
            {
                case EnhancedPacketType:
                    if (EnhancedPacket(body, input.OffsetOf(start), out packet))
                    {
                        return true;
                    }

                    break;
                case SimplePacketType:
                    if (SimplePacket(body, input.OffsetOf(start), out packet))
                    {
                        return true;
                    }

                    break;
                case ObsoletePacketType:
                    if (ObsoletePacket(body, input.OffsetOf(start), out packet))
                    {
                        return true;
                    }

                    break;
                case InterfaceDescriptionType:
                    InterfaceDescription(body, input.OffsetOf(start));
                    break;
                case SectionHeaderType:
                    _interfaces.Clear();
                    _inSection = true;
                    Sections++;
                    break;
                default:
                    break;
            }
        }
    }

    private bool EnhancedPacket(ReadOnlySpan<byte> body, long offset, out PacketRecord packet)
    {
        packet = default;
        if (body.Length < 20)
        {
            _core.Damage(offset, "enhanced packet block too short");
            return false;
        }

        var id = ReadUInt32(body);
        var units = ((ulong)ReadUInt32(body[4..]) << 32) | ReadUInt32(body[8..]);
        var captured = ReadUInt32(body[12..]);
        if (id >= _interfaces.Count)
        {
            _core.Damage(offset, $"packet on interface {id}, but the section describes {_interfaces.Count}");
            return false;
        }

        if (captured > body.Length - 20)
        {
            _core.Damage(offset, $"captured length {captured} is beyond the block");
            return false;
        }

        var iface = _interfaces[(int)id];
        var ts = iface.ToNanoseconds(units);
        _lastTimestampNs = ts;
        _core.Record(iface.LinkType, ts, (int)captured);
        return _core.Accept(body.Slice(20, (int)captured), iface.LinkType, ts, out packet);
    }

    private bool SimplePacket(ReadOnlySpan<byte> body, long offset, out PacketRecord packet)
    {
        packet = default;
        if (_interfaces.Count == 0 || body.Length < 4)
        {
            _core.Damage(offset, _interfaces.Count == 0 ? "simple packet block before any interface description" : "simple packet block too short");
            return false;
        }

        var iface = _interfaces[0];
        var captured = (int)Math.Min(ReadUInt32(body), (uint)(body.Length - 4));
        if (iface.SnapLength > 0)
        {
            captured = (int)Math.Min((uint)captured, iface.SnapLength);
        }

        _core.RecordWithoutTimestamp(iface.LinkType, captured);
        return _core.Accept(body.Slice(4, captured), iface.LinkType, _lastTimestampNs, out packet);
    }

    private bool ObsoletePacket(ReadOnlySpan<byte> body, long offset, out PacketRecord packet)
    {
        packet = default;
        if (body.Length < 20)
        {
            _core.Damage(offset, "packet block too short");
            return false;
        }

        var id = _swap ? BinaryPrimitives.ReadUInt16BigEndian(body) : BinaryPrimitives.ReadUInt16LittleEndian(body);
        var units = ((ulong)ReadUInt32(body[4..]) << 32) | ReadUInt32(body[8..]);
        var captured = ReadUInt32(body[12..]);
        if (id >= _interfaces.Count || captured > body.Length - 20)
        {
            _core.Damage(offset, id >= _interfaces.Count ? $"packet on undescribed interface {id}" : $"captured length {captured} is beyond the block");
            return false;
        }

        var iface = _interfaces[id];
        var ts = iface.ToNanoseconds(units);
        _lastTimestampNs = ts;
        _core.Record(iface.LinkType, ts, (int)captured);
        return _core.Accept(body.Slice(20, (int)captured), iface.LinkType, ts, out packet);
    }

    private void InterfaceDescription(ReadOnlySpan<byte> body, long offset)
    {
        if (body.Length < 8)
        {
            _core.Damage(offset, "interface description block too short");
            return;
        }

        var linkType = (LinkType)(_swap ? BinaryPrimitives.ReadUInt16BigEndian(body) : BinaryPrimitives.ReadUInt16LittleEndian(body));
        var snapLength = ReadUInt32(body[4..]);
        byte resolution = 6;
        long offsetSeconds = 0;
        var options = body[8..];
        while (options.Length >= 4)
        {
            var code = _swap ? BinaryPrimitives.ReadUInt16BigEndian(options) : BinaryPrimitives.ReadUInt16LittleEndian(options);
            var length = _swap ? BinaryPrimitives.ReadUInt16BigEndian(options[2..]) : BinaryPrimitives.ReadUInt16LittleEndian(options[2..]);
            if (code == 0 || 4 + length > options.Length)
            {
                break;
            }

            if (code == 9 && length >= 1)
            {
                resolution = options[4];
            }
            else if (code == 14 && length >= 8)
            {
                offsetSeconds = _swap ? BinaryPrimitives.ReadInt64BigEndian(options[4..]) : BinaryPrimitives.ReadInt64LittleEndian(options[4..]);
            }

            options = options[Math.Min(options.Length, 4 + ((length + 3) & ~3))..];
        }

        _interfaces.Add(new Interface(linkType, snapLength, resolution, offsetSeconds));
    }

    /// <summary>Moves past a damaged block to the next offset where a consistent known block starts.</summary>
    private void Resync()
    {
        var input = _in;
        input.Start++;
        while (input.Ensure(BlockOverhead))
        {
            var at = input.Buffer.AsSpan(input.Start);
            var type = ReadUInt32(at);
            if (type is InterfaceDescriptionType or ObsoletePacketType or SimplePacketType or 4 or 5 or EnhancedPacketType or 10 or SectionHeaderType)
            {
                var length = ReadUInt32(at[4..]);
                if (length >= BlockOverhead && length % 4 == 0 && length <= MaxBlockLength && input.Ensure((int)length)
                    && ReadUInt32(input.Buffer.AsSpan(input.Start + (int)length - 4)) == length)
                {
                    return;
                }
            }

            input.Start++;
        }

        input.Start = input.End;
    }

    private uint ReadUInt32(ReadOnlySpan<byte> s) => _swap ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);

    /// <inheritdoc />
    public void Dispose() => _core.Dispose();

    /// <summary>An interface of the current section and how its timestamps convert to nanoseconds.</summary>
    private readonly struct Interface
    {
        private readonly ulong _multiplier;
        private readonly ulong _divisor;
        private readonly int _binaryShift;
        private readonly long _offsetNs;

        public Interface(LinkType linkType, uint snapLength, byte resolution, long offsetSeconds)
        {
            LinkType = linkType;
            SnapLength = snapLength;
            _offsetNs = offsetSeconds * 1_000_000_000L;
            var exponent = resolution & 0x7F;
            _binaryShift = -1;
            _multiplier = 1;
            _divisor = 1;
            if ((resolution & 0x80) != 0)
            {
                _binaryShift = Math.Min(exponent, 63);
            }
            else if (exponent <= 9)
            {
                _multiplier = Pow10(9 - exponent);
            }
            else
            {
                _divisor = Pow10(Math.Min(exponent - 9, 19));
            }
        }

        public LinkType LinkType { get; }

        public uint SnapLength { get; }

        public long ToNanoseconds(ulong units)
        {
            if (_binaryShift >= 0)
            {
                return (long)(((UInt128)units * 1_000_000_000UL) >> _binaryShift) + _offsetNs;
            }

            return (long)(_divisor == 1 ? units * _multiplier : units / _divisor) + _offsetNs;
        }

        private static ulong Pow10(int n)
        {
            ulong x = 1;
            for (var i = 0; i < n; i++)
            {
                x *= 10;
            }

            return x;
        }
    }
}
