using System.Data.Common;
using ScanScope.Packets;

namespace ScanScope.Storage.Packets;

/// <summary>
/// The packet store's columns as DuckDB reads them back (the writer's schema is in
/// <see cref="PacketPartWriter"/>, in the same order), and the code that turns a query row
/// back into a <see cref="PacketRecord"/>.
/// </summary>
/// <remarks>
/// Unsigned types match the value type exactly (no sign games with addresses or sequence
/// numbers); Parquet stores them as INT32/INT64 with the unsigned logical type, which DuckDB,
/// pyarrow/pandas and Spark 3.2+ read as unsigned.
/// </remarks>
internal static class PacketColumns
{
    public static readonly (string Name, string Type)[] All =
    [
        ("ts_ns", "BIGINT"),
        ("src", "UINTEGER"),
        ("dst", "UINTEGER"),
        ("sport", "USMALLINT"),
        ("dport", "USMALLINT"),
        ("ip_id", "USMALLINT"),
        ("ttl", "UTINYINT"),
        ("ip_len", "USMALLINT"),
        ("flags", "UTINYINT"),
        ("seq", "UINTEGER"),
        ("ack", "UINTEGER"),
        ("window", "USMALLINT"),
        ("options", "UINTEGER"),
        ("mss", "USMALLINT"),
        ("wscale", "UTINYINT"),
        ("payload_len", "USMALLINT"),
        ("tool", "UTINYINT"),
    ];

    /// <summary>"ts_ns, src, ..." for SELECT lists (the names need no quoting).</summary>
    public static string NameList => string.Join(", ", All.Select(c => "\"" + c.Name + "\""));

    /// <summary>Reads the row a query over <see cref="NameList"/> is positioned on.</summary>
    public static PacketRecord Read(DbDataReader r) => new()
    {
        TimestampNs = r.GetInt64(0),
        Src = r.GetFieldValue<uint>(1),
        Dst = r.GetFieldValue<uint>(2),
        SrcPort = r.GetFieldValue<ushort>(3),
        DstPort = r.GetFieldValue<ushort>(4),
        IpId = r.GetFieldValue<ushort>(5),
        Ttl = r.GetFieldValue<byte>(6),
        IpTotalLength = r.GetFieldValue<ushort>(7),
        Flags = (TcpFlags)r.GetFieldValue<byte>(8),
        Seq = r.GetFieldValue<uint>(9),
        Ack = r.GetFieldValue<uint>(10),
        Window = r.GetFieldValue<ushort>(11),
        Options = new TcpOptionLayout(r.GetFieldValue<uint>(12)),
        Mss = r.GetFieldValue<ushort>(13),
        WindowScale = r.GetFieldValue<byte>(14),
        PayloadLength = r.GetFieldValue<ushort>(15),
        Tool = (Toolchain)r.GetFieldValue<byte>(16),
    };
}
