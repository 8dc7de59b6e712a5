using System.Globalization;
using ScanScope.Capture;
using ScanScope.Packets;
using ScanScope.Storage;
using ScanScope.Storage.Packets;

namespace ScanScope.Tests.Storage;

public sealed class PacketStoreTests
{
    // 2023-11-14T22:13:20Z; the packets spread over four clock hours.
    private const long BaseNs = 1_700_000_000_000_000_000;

    [Fact]
    public void IngestedCapture_ReadsBackAsTheSynPacketsTheCaptureReaderSees()
    {
        using var dir = new TempFolder();
        var capture = WriteCapture(dir.Sub("a.pcap"), seed: 1, count: 3000);

        var store = PacketStore.OpenOrCreate(dir.Sub("store"), StoredPackets.Syn);
        var result = store.Ingest(capture);

        var expected = ReadCapture(capture).Where(p => p.IsSyn).ToList();
        var stored = PacketStore.Open(dir.Sub("store")).ReadPackets().ToList();
        Assert.Equal(IngestAction.Ingested, result.Action);
        Assert.Equal(expected.Count, result.File.PacketsKept);
        Assert.True(expected.Count < result.File.PacketsRead, "the capture also holds non-SYN packets that must be left out");
        Assert.Equal(SortedByAllFields(expected), SortedByAllFields(stored));
        Assert.True(stored.Zip(stored.Skip(1)).All(pair => pair.First.TimestampNs <= pair.Second.TimestampNs), "packets come back in time order");
    }

    [Fact]
    public void AllTcpStore_KeepsEveryTcpPacket()
    {
        using var dir = new TempFolder();
        var capture = WriteCapture(dir.Sub("a.pcap"), seed: 2, count: 500);

        var store = PacketStore.OpenOrCreate(dir.Sub("store"), StoredPackets.AllTcp);
        store.Ingest(capture);

        Assert.Equal(SortedByAllFields(ReadCapture(capture)), SortedByAllFields(store.ReadPackets()));
    }

    [Fact]
    public void Parts_ArePartitionedByUtcHourInHiveStyle()
    {
        using var dir = new TempFolder();
        var capture = WriteCapture(dir.Sub("a.pcap"), seed: 3, count: 2000);
        var store = PacketStore.OpenOrCreate(dir.Sub("store"), StoredPackets.Syn);
        store.Ingest(capture);

        var expected = ReadCapture(capture).Where(p => p.IsSyn)
            .GroupBy(p => DateTimeOffset.FromUnixTimeMilliseconds(p.TimestampNs / 1_000_000).UtcDateTime.ToString("yyyy-MM-dd'T'HH", CultureInfo.InvariantCulture))
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (object?[])[g.Key, (long)g.Count()])
            .ToList();
        var actual = DuckDbQuery.Rows(null, $"SELECT hour, count(*)::BIGINT FROM read_parquet('{store.PartsGlob}', hive_partitioning = true) GROUP BY hour ORDER BY hour");

        Assert.True(expected.Count >= 3, "the fixture spans several hours");
        Assert.Equal(expected, actual);
        Assert.All(Directory.GetDirectories(store.Directory, "hour=*"), d => Assert.Matches(@"hour=\d{4}-\d\d-\d\dT\d\d$", d));
    }

    [Fact]
    public void SameFileTwice_IsSkippedAndNotDuplicated()
    {
        using var dir = new TempFolder();
        var capture = WriteCapture(dir.Sub("a.pcap"), seed: 4, count: 800);
        var store = PacketStore.OpenOrCreate(dir.Sub("store"), StoredPackets.Syn);
        var first = store.Ingest(capture);

        var second = PacketStore.OpenOrCreate(dir.Sub("store"), StoredPackets.Syn).Ingest(capture);

        Assert.Equal(IngestAction.SkippedUnchanged, second.Action);
        Assert.Equal(first.File.PacketsKept, PacketStore.Open(dir.Sub("store")).ReadPackets().LongCount());
    }

    [Fact]
    public void Force_ReplacesTheFilesRowsWithoutDuplicating()
    {
        using var dir = new TempFolder();
        var capture = WriteCapture(dir.Sub("a.pcap"), seed: 5, count: 800);
        var other = WriteCapture(dir.Sub("b.pcap"), seed: 6, count: 300);
        var store = PacketStore.OpenOrCreate(dir.Sub("store"), StoredPackets.Syn);
        store.Ingest(capture);
        store.Ingest(other);

        var forced = store.Ingest(capture, force: true);

        var expected = ReadCapture(capture).Concat(ReadCapture(other)).Where(p => p.IsSyn);
        Assert.Equal(IngestAction.Replaced, forced.Action);
        Assert.Equal(SortedByAllFields(expected), SortedByAllFields(PacketStore.Open(dir.Sub("store")).ReadPackets()));
        Assert.Equal(2, PacketStore.Open(dir.Sub("store")).Files.Count);
    }

    [Fact]
    public void FileChangedOnDisk_IsReingestedAndItsOldRowsRemoved()
    {
        using var dir = new TempFolder();
        var path = dir.Sub("a.pcap");
        WriteCapture(path, seed: 7, count: 600);
        var store = PacketStore.OpenOrCreate(dir.Sub("store"), StoredPackets.Syn);
        store.Ingest(path);

        WriteCapture(path, seed: 8, count: 900);
        var again = store.Ingest(path);

        Assert.Equal(IngestAction.Replaced, again.Action);
        Assert.Equal(SortedByAllFields(ReadCapture(path).Where(p => p.IsSyn)), SortedByAllFields(store.ReadPackets()));
    }

    [Fact]
    public void CopyOfAnIngestedFile_IsSkippedAsACopy()
    {
        using var dir = new TempFolder();
        var path = WriteCapture(dir.Sub("a.pcap"), seed: 9, count: 400);
        var copy = dir.Sub("copy-of-a.pcap");
        File.Copy(path, copy);
        File.SetLastWriteTimeUtc(copy, File.GetLastWriteTimeUtc(path));
        var store = PacketStore.OpenOrCreate(dir.Sub("store"), StoredPackets.Syn);
        var first = store.Ingest(path);

        var second = store.Ingest(copy);

        Assert.Equal(IngestAction.SkippedCopy, second.Action);
        Assert.Equal(first.File.PacketsKept, store.ReadPackets().LongCount());
    }

    [Fact]
    public void PartsOfAFileMissingFromTheManifest_AreNotRead()
    {
        // A run killed between writing parts and listing the file leaves such parts behind.
        using var dir = new TempFolder();
        var path = WriteCapture(dir.Sub("a.pcap"), seed: 10, count: 400);
        var store = PacketStore.OpenOrCreate(dir.Sub("store"), StoredPackets.Syn);
        var result = store.Ingest(path);
        var part = Directory.GetFiles(store.Directory, "part-*.parquet", SearchOption.AllDirectories)[0];
        File.Copy(part, Path.Combine(Path.GetDirectoryName(part)!, "part-00000000deadbeef-0.parquet"));

        Assert.Equal(result.File.PacketsKept, PacketStore.Open(store.Directory).ReadPackets().LongCount());
    }

    [Fact]
    public void Reader_CountsPacketsAndTimeSpan()
    {
        using var dir = new TempFolder();
        var path = WriteCapture(dir.Sub("a.pcap"), seed: 11, count: 500);
        var store = PacketStore.OpenOrCreate(dir.Sub("store"), StoredPackets.Syn);
        store.Ingest(path);
        var syn = ReadCapture(path).Where(p => p.IsSyn).ToList();

        using var reader = store.OpenReader();
        var n = 0;
        while (reader.TryRead(out _))
        {
            n++;
        }

        Assert.Equal(syn.Count, n);
        Assert.Equal(syn.Count, reader.Counters.Packets);
        Assert.Equal(syn.Min(p => p.TimestampNs), reader.Counters.FirstTimestampNs);
        Assert.Equal(syn.Max(p => p.TimestampNs), reader.Counters.LastTimestampNs);
    }

    [Fact]
    public void LatePacketForAnHourAlreadyWritten_GoesIntoAnotherPartOfThatHour()
    {
        using var dir = new TempFolder();
        var path = dir.Sub("late.pcap");
        const long Hour = 3_600_000_000_000;
        var packets = new[] { 0L, Hour, 2 * Hour, 3 * Hour + 5, 7 }
            .Select((t, i) => new PacketRecord { TimestampNs = BaseNs + t, Src = (uint)i + 1, Dst = 9, DstPort = 80, Flags = TcpFlags.Syn })
            .ToList();
        using (var writer = PcapWriter.Create(path, nanoseconds: true))
        {
            packets.ForEach(p => writer.Write(p));
        }

        var store = PacketStore.OpenOrCreate(dir.Sub("store"), StoredPackets.Syn);
        store.Ingest(path);

        var firstHour = Directory.GetDirectories(store.Directory, "hour=*").Order(StringComparer.Ordinal).First();
        Assert.Equal(2, Directory.GetFiles(firstHour, "part-*.parquet").Length);
        Assert.Equal(SortedByAllFields(ReadCapture(path)), store.ReadPackets().ToList());
    }

    [Fact]
    public void FolderWithoutAManifest_IsNotAStore()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.Sub("notes.txt"), "x");

        Assert.Throws<StorageException>(() => PacketStore.Open(dir.Path));
        Assert.Throws<StorageException>(() => PacketStore.OpenOrCreate(dir.Path, StoredPackets.Syn));
    }

    [Fact]
    public void StoreOfSynPackets_RefusesToTakeAllTcp()
    {
        using var dir = new TempFolder();
        PacketStore.OpenOrCreate(dir.Sub("store"), StoredPackets.Syn);

        Assert.Throws<StorageException>(() => PacketStore.OpenOrCreate(dir.Sub("store"), StoredPackets.AllTcp));
    }

    /// <summary>Seeded packets over about four hours: mostly SYN, some SYN-ACK and RST, every field varied.</summary>
    internal static List<PacketRecord> MakePackets(int seed, int count)
    {
        var random = new Random(seed);
        var packets = new List<PacketRecord>(count);
        for (var i = 0; i < count; i++)
        {
            var flags = random.Next(10) switch
            {
                0 => TcpFlags.Syn | TcpFlags.Ack,
                1 => TcpFlags.Rst,
                _ => TcpFlags.Syn,
            };
            var withOptions = random.Next(2) == 0;
            packets.Add(new PacketRecord
            {
                TimestampNs = BaseNs + random.NextInt64(4L * 3600 * 1_000_000_000) / 1000 * 1000,
                Src = (uint)random.Next(1, 40) << 24 | (uint)random.Next(4),
                Dst = 0x2C000000u | (uint)random.Next(1 << 16),
                SrcPort = (ushort)random.Next(1024, 65536),
                DstPort = (ushort)(random.Next(3) == 0 ? 23 : random.Next(1, 65536)),
                IpId = (ushort)random.Next(65536),
                Ttl = (byte)random.Next(30, 256),
                Flags = flags,
                Seq = (uint)random.NextInt64(1L << 32),
                Ack = flags.HasFlag(TcpFlags.Ack) ? (uint)random.NextInt64(1L << 32) : 0,
                Window = (ushort)random.Next(65536),
                Options = withOptions ? TcpOptionLayout.Of(TcpOptionKind.Mss, TcpOptionKind.Nop, TcpOptionKind.WindowScale) : TcpOptionLayout.Empty,
                Mss = withOptions ? (ushort)1460 : (ushort)0,
                WindowScale = withOptions ? (byte)random.Next(15) : (byte)0,
            });
        }

        return packets;
    }

    internal static string WriteCapture(string path, int seed, int count)
    {
        using var writer = PcapWriter.Create(path, nanoseconds: true);
        foreach (var p in MakePackets(seed, count))
        {
            writer.Write(p);
        }

        return path;
    }

    internal static List<PacketRecord> ReadCapture(string path)
    {
        using var reader = CaptureReader.Open(path);
        var packets = new List<PacketRecord>();
        while (reader.TryRead(out var p))
        {
            packets.Add(p);
        }

        return packets;
    }

    private static List<PacketRecord> SortedByAllFields(IEnumerable<PacketRecord> packets) =>
        [.. packets.OrderBy(p => p.TimestampNs).ThenBy(p => p.Src).ThenBy(p => p.Dst).ThenBy(p => p.SrcPort).ThenBy(p => p.Seq)];
}
