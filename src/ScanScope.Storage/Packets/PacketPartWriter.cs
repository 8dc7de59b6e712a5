using System.Globalization;
using Parquet;
using Parquet.Schema;
using ScanScope.Packets;

namespace ScanScope.Storage.Packets;

/// <summary>
/// Writes one input file's packets as hour-partitioned Parquet parts
/// (<c>hour=YYYY-MM-DDTHH/part-ID-0.parquet</c>), column by column from arrays: Parquet.Net's
/// columnar writer with Snappy, because DuckDB's row appender costs several microseconds per
/// packet and Parquet.Net's managed ZSTD is slower still on random 64-bit values.
/// </summary>
/// <remarks>
/// Each hour keeps a buffer of up to <see cref="RowGroupRows"/> rows (grown on demand); a full
/// buffer becomes a row group of that hour's open file. Hours two behind the newest packet are
/// closed, so memory stays bounded (about 46 MB per open hour at most).
/// Rows stay in capture order within a part; <see cref="PacketStore.ReadPackets"/> sorts per hour.
/// </remarks>
internal sealed class PacketPartWriter : IDisposable
{
    public const int RowGroupRows = 1 << 20;
    private const int InitialRows = 1 << 12;

    private static readonly DataField[] Fields =
    [
        new DataField<long>("ts_ns"), new DataField<uint>("src"), new DataField<uint>("dst"),
        new DataField<ushort>("sport"), new DataField<ushort>("dport"), new DataField<ushort>("ip_id"),
        new DataField<byte>("ttl"), new DataField<ushort>("ip_len"), new DataField<byte>("flags"),
        new DataField<uint>("seq"), new DataField<uint>("ack"), new DataField<ushort>("window"),
        new DataField<uint>("options"), new DataField<ushort>("mss"), new DataField<byte>("wscale"),
        new DataField<ushort>("payload_len"), new DataField<byte>("tool"),
    ];

    private static readonly ParquetSchema Schema = new(Fields);

    private readonly string _directory;
    private readonly string _id;
    private readonly Dictionary<long, Hour> _hours = [];
    private readonly Dictionary<long, int> _parts = [];
    private long _latest = long.MinValue;

    public PacketPartWriter(string directory, string id)
    {
        _directory = directory;
        _id = id;
    }

    public void Add(in PacketRecord p)
    {
        var hour = Math.DivRem(p.TimestampNs, 3_600_000_000_000L, out var rem);
        if (rem < 0)
        {
            hour--;
        }

        if (hour > _latest)
        {
            // Hours two behind the newest packet are done in a time-ordered capture: write them
            // out so memory stays bounded however long the capture is.
            _latest = hour;
            foreach (var done in _hours.Keys.Where(k => k < hour - 1).ToList())
            {
                _hours[done].Close();
                _hours.Remove(done);
            }
        }

        if (!_hours.TryGetValue(hour, out var h))
        {
            // A late packet for an hour already written starts that hour's next part.
            var part = _parts.GetValueOrDefault(hour);
            _parts[hour] = part + 1;
            h = new Hour(Path.Combine(_directory, HourFolder(hour), $"part-{_id}-{part.ToString(CultureInfo.InvariantCulture)}.parquet"));
            _hours.Add(hour, h);
        }

        h.Add(p);
    }

    /// <summary>Writes every buffered row and closes all files.</summary>
    public void Complete()
    {
        foreach (var h in _hours.Values)
        {
            h.Close();
        }
    }

    public void Dispose()
    {
        foreach (var h in _hours.Values)
        {
            h.Dispose();
        }
    }

    /// <summary>"hour=YYYY-MM-DDTHH" of a UTC hour number since the epoch.</summary>
    public static string HourFolder(long hour) =>
        "hour=" + DateTime.UnixEpoch.AddHours(hour).ToString("yyyy-MM-dd'T'HH", CultureInfo.InvariantCulture);

    private sealed class Hour(string path) : IDisposable
    {
        private long[] _ts = new long[InitialRows];
        private uint[] _src = new uint[InitialRows];
        private uint[] _dst = new uint[InitialRows];
        private ushort[] _sport = new ushort[InitialRows];
        private ushort[] _dport = new ushort[InitialRows];
        private ushort[] _ipId = new ushort[InitialRows];
        private byte[] _ttl = new byte[InitialRows];
        private ushort[] _ipLen = new ushort[InitialRows];
        private byte[] _flags = new byte[InitialRows];
        private uint[] _seq = new uint[InitialRows];
        private uint[] _ack = new uint[InitialRows];
        private ushort[] _window = new ushort[InitialRows];
        private uint[] _options = new uint[InitialRows];
        private ushort[] _mss = new ushort[InitialRows];
        private byte[] _wscale = new byte[InitialRows];
        private ushort[] _payload = new ushort[InitialRows];
        private byte[] _tool = new byte[InitialRows];
        private FileStream? _stream;
        private ParquetWriter? _writer;
        private int _n;

        public void Add(in PacketRecord p)
        {
            var i = _n;
            if (i == _ts.Length)
            {
                Grow();
            }

            _ts[i] = p.TimestampNs;
            _src[i] = p.Src;
            _dst[i] = p.Dst;
            _sport[i] = p.SrcPort;
            _dport[i] = p.DstPort;
            _ipId[i] = p.IpId;
            _ttl[i] = p.Ttl;
            _ipLen[i] = p.IpTotalLength;
            _flags[i] = (byte)p.Flags;
            _seq[i] = p.Seq;
            _ack[i] = p.Ack;
            _window[i] = p.Window;
            _options[i] = p.Options.Packed;
            _mss[i] = p.Mss;
            _wscale[i] = p.WindowScale;
            _payload[i] = p.PayloadLength;
            _tool[i] = (byte)p.Tool;
            if (++_n == RowGroupRows)
            {
                Flush();
            }
        }

        private void Grow()
        {
            var size = Math.Min(_ts.Length * 2, RowGroupRows);
            Array.Resize(ref _ts, size);
            Array.Resize(ref _src, size);
            Array.Resize(ref _dst, size);
            Array.Resize(ref _sport, size);
            Array.Resize(ref _dport, size);
            Array.Resize(ref _ipId, size);
            Array.Resize(ref _ttl, size);
            Array.Resize(ref _ipLen, size);
            Array.Resize(ref _flags, size);
            Array.Resize(ref _seq, size);
            Array.Resize(ref _ack, size);
            Array.Resize(ref _window, size);
            Array.Resize(ref _options, size);
            Array.Resize(ref _mss, size);
            Array.Resize(ref _wscale, size);
            Array.Resize(ref _payload, size);
            Array.Resize(ref _tool, size);
        }

        public void Close()
        {
            Flush();
            _writer?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _writer = null;
            _stream?.Dispose();
            _stream = null;
        }

        public void Dispose()
        {
            _writer?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _stream?.Dispose();
        }

        private void Flush()
        {
            if (_n == 0)
            {
                return;
            }

            if (_writer is null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                _stream = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 20);
                _writer = ParquetWriter.CreateAsync(Schema, _stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }).GetAwaiter().GetResult();
            }

            using (var group = _writer.CreateRowGroup())
            {
                var n = _n;
                Write(group, 0, _ts, n);
                Write(group, 1, _src, n);
                Write(group, 2, _dst, n);
                Write(group, 3, _sport, n);
                Write(group, 4, _dport, n);
                Write(group, 5, _ipId, n);
                Write(group, 6, _ttl, n);
                Write(group, 7, _ipLen, n);
                Write(group, 8, _flags, n);
                Write(group, 9, _seq, n);
                Write(group, 10, _ack, n);
                Write(group, 11, _window, n);
                Write(group, 12, _options, n);
                Write(group, 13, _mss, n);
                Write(group, 14, _wscale, n);
                Write(group, 15, _payload, n);
                Write(group, 16, _tool, n);
            }

            _n = 0;
        }

        private static void Write<T>(ParquetRowGroupWriter group, int field, T[] values, int n)
            where T : struct =>
            group.WriteAsync(Fields[field], new ReadOnlyMemory<T>(values, 0, n)).GetAwaiter().GetResult();
    }
}
