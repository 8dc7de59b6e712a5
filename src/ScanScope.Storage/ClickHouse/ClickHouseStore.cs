using System.Globalization;
using ScanScope.Capture;
using ScanScope.Storage.Packets;

namespace ScanScope.Storage.ClickHouse;

/// <summary>
/// The ScanScope tables on a ClickHouse server or cluster: creating them, and ingesting
/// captures into them once per input file.
/// </summary>
public static class ClickHouseStore
{
    /// <summary>
    /// Creates the packet table (and, with a cluster, the Distributed table) and the table of
    /// ingested files on every server in <paramref name="nodes"/>, unless they exist. Without
    /// ZooKeeper an 18.16 cluster cannot run <c>ON CLUSTER</c> DDL, so each shard's server is
    /// told directly.
    /// </summary>
    public static void CreateTables(IEnumerable<ClickHouseClient> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        foreach (var node in nodes)
        {
            var names = node.Options.Names();
            node.Execute(ClickHouseSql.Render("create_packets_local", names));
            if (node.Options.Cluster is not null)
            {
                node.Execute(ClickHouseSql.Render("create_packets_distributed", names));
            }

            node.Execute(ClickHouseSql.Render("create_ingested_files", names));
        }
    }

    /// <summary>
    /// Streams the packets of the capture at <paramref name="inputPath"/> that pass
    /// <paramref name="filter"/> into the target table, unless a file with the same fingerprint
    /// was ingested before. Returns the packets sent, or null when the file was skipped.
    /// </summary>
    /// <remarks>
    /// Rows of a file cannot be replaced in place here (the packet table carries no file
    /// column), so there is no force option: to redo files, drop the tables and ingest again.
    /// </remarks>
    public static long? Ingest(ClickHouseClient client, string inputPath, StoredPackets filter)
    {
        ArgumentNullException.ThrowIfNull(client);
        var path = Path.GetFullPath(inputPath);
        var fingerprint = FileFingerprint.Of(path);
        var names = client.Options.Names();
        names["size"] = fingerprint.Size;
        names["mtime_ns"] = MtimeNs(fingerprint);
        names["head_hash64"] = HeadHash64(fingerprint);
        var seen = long.Parse(client.Execute(ClickHouseSql.Render("count_ingested", names)).Trim(), CultureInfo.InvariantCulture);
        if (seen > 0)
        {
            return null;
        }

        long kept = 0;
        using (var writer = new ClickHousePacketWriter(client))
        using (var reader = CaptureReader.Open(path))
        {
            var synOnly = filter == StoredPackets.Syn;
            while (reader.TryRead(out var packet))
            {
                if (!synOnly || packet.IsSyn)
                {
                    writer.Add(packet);
                    kept++;
                }
            }

            writer.Flush();
        }

        var row = FileRow(path, fingerprint, kept);
        client.InsertAsync(ClickHouseSql.Render("insert_ingested_file", names), row).GetAwaiter().GetResult();
        return kept;
    }

    private static long MtimeNs(FileFingerprint f) => (f.ModifiedUtc - DateTime.UnixEpoch).Ticks * 100;

    private static ulong HeadHash64(FileFingerprint f) => ulong.Parse(f.HeadSha256.AsSpan(0, 16), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static byte[] FileRow(string path, FileFingerprint f, long packets)
    {
        using var ms = new MemoryStream();
        RowBinary.String(ms, path);
        RowBinary.UInt64(ms, (ulong)f.Size);
        RowBinary.Int64(ms, MtimeNs(f));
        RowBinary.UInt64(ms, HeadHash64(f));
        RowBinary.UInt64(ms, (ulong)packets);
        RowBinary.UInt32(ms, (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        return ms.ToArray();
    }
}
