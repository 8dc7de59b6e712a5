using System.Buffers.Binary;
using ScanScope.Packets;

namespace ScanScope.Storage.ClickHouse;

/// <summary>
/// Streams packets into ClickHouse in batches of <see cref="ClickHouseOptions.BatchRows"/> rows,
/// encoded as RowBinary (little-endian fixed-width columns; the cheapest format for the server to
/// parse, and one 18.16 understands). One batch is on the wire while the next one fills.
/// </summary>
public sealed class ClickHousePacketWriter : IDisposable
{
    /// <summary>Bytes of one RowBinary packet row.</summary>
    public const int RowBytes = 8 + 4 + 4 + 2 + 2 + 2 + 1 + 2 + 1 + 4 + 4 + 2 + 4 + 2 + 1 + 2 + 1;

    private static readonly Dictionary<string, string> SyncInsert = new(StringComparer.Ordinal)
    {
        // A Distributed insert returns only when every shard has the rows, so a finished ingest
        // is visible to the next query (and a failing shard fails the ingest).
        ["insert_distributed_sync"] = "1",
    };

    private readonly ClickHouseClient _client;
    private readonly string _insert;
    private byte[] _buffer;
    private byte[] _spare;
    private int _rows;
    private Task? _pending;
    private bool _disposed;

    /// <summary>Creates a writer that inserts into <see cref="ClickHouseOptions.Target"/> of <paramref name="client"/>'s server.</summary>
    public ClickHousePacketWriter(ClickHouseClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _insert = ClickHouseSql.Render("insert_packets", client.Options.Names());
        _buffer = new byte[client.Options.BatchRows * RowBytes];
        _spare = new byte[_buffer.Length];
    }

    /// <summary>Rows handed to the server so far (including the batch on the wire).</summary>
    public long RowsSent { get; private set; }

    /// <summary>Adds one packet; sends a batch when the buffer is full.</summary>
    public void Add(in PacketRecord p)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var s = _buffer.AsSpan(_rows * RowBytes, RowBytes);
        BinaryPrimitives.WriteInt64LittleEndian(s, p.TimestampNs);
        BinaryPrimitives.WriteUInt32LittleEndian(s[8..], p.Src);
        BinaryPrimitives.WriteUInt32LittleEndian(s[12..], p.Dst);
        BinaryPrimitives.WriteUInt16LittleEndian(s[16..], p.SrcPort);
        BinaryPrimitives.WriteUInt16LittleEndian(s[18..], p.DstPort);
        BinaryPrimitives.WriteUInt16LittleEndian(s[20..], p.IpId);
        s[22] = p.Ttl;
        BinaryPrimitives.WriteUInt16LittleEndian(s[23..], p.IpTotalLength);
        s[25] = (byte)p.Flags;
        BinaryPrimitives.WriteUInt32LittleEndian(s[26..], p.Seq);
        BinaryPrimitives.WriteUInt32LittleEndian(s[30..], p.Ack);
        BinaryPrimitives.WriteUInt16LittleEndian(s[34..], p.Window);
        BinaryPrimitives.WriteUInt32LittleEndian(s[36..], p.Options.Packed);
        BinaryPrimitives.WriteUInt16LittleEndian(s[40..], p.Mss);
        s[42] = p.WindowScale;
        BinaryPrimitives.WriteUInt16LittleEndian(s[43..], p.PayloadLength);
        s[45] = (byte)p.Tool;
        if (++_rows == _client.Options.BatchRows)
        {
            SendBatch();
        }
    }

    /// <summary>Sends what is buffered and waits until the server has stored every row.</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        SendBatch();
        WaitPending();
    }

    /// <summary>Waits for the batch on the wire; rows still buffered are dropped (call <see cref="Flush"/> to keep them).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            _pending?.Wait();
        }
        catch (AggregateException)
        {
            // The error was already reported by Flush or Add, or nobody asked for the rows.
        }
    }

    private void SendBatch()
    {
        WaitPending();
        if (_rows == 0)
        {
            return;
        }

        var body = new ReadOnlyMemory<byte>(_buffer, 0, _rows * RowBytes);
        RowsSent += _rows;
        _pending = _client.InsertAsync(_insert, body, SyncInsert);
        (_buffer, _spare) = (_spare, _buffer);
        _rows = 0;
    }

    private void WaitPending()
    {
        if (_pending is null)
        {
            return;
        }

        var pending = _pending;
        _pending = null;
        pending.GetAwaiter().GetResult();
    }
}
