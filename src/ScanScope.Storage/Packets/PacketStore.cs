using System.Security.Cryptography;
using System.Text;
using DuckDB.NET.Data;
using ScanScope.Capture;
using ScanScope.Packets;

namespace ScanScope.Storage.Packets;

/// <summary>Which packets a store keeps.</summary>
public enum StoredPackets
{
    /// <summary>TCP SYN without ACK: scanner probes (the default).</summary>
    Syn,

    /// <summary>Every IPv4 TCP packet.</summary>
    AllTcp,
}

/// <summary>What ingesting one input did.</summary>
public enum IngestAction
{
    /// <summary>The file was new to the store and its packets were added.</summary>
    Ingested,

    /// <summary>The file was in the store (changed on disk, or forced) and its packets were replaced.</summary>
    Replaced,

    /// <summary>The same file, unchanged, is already in the store.</summary>
    SkippedUnchanged,

    /// <summary>A file with the same size, modification time and head hash is already in the store under another path.</summary>
    SkippedCopy,
}

/// <summary>The outcome of <see cref="PacketStore.Ingest"/>.</summary>
/// <param name="Action">What was done.</param>
/// <param name="File">The store's entry for the input (the existing one when skipped).</param>
public sealed record IngestResult(IngestAction Action, IngestedFile File);

/// <summary>
/// A folder of parsed packets as Parquet, partitioned by hour (hive style:
/// <c>hour=YYYY-MM-DDTHH/part-ID-N.parquet</c>), with a manifest of the input files it holds.
/// </summary>
/// <remarks>
/// Each input file's packets go into their own part files (named by the file's id), so a file
/// can be replaced without touching the others. An ingest writes into a staging folder, takes
/// the file out of the manifest, swaps its parts and puts it back: a run killed at any point
/// leaves either the old entry and parts, or no entry (the next ingest redoes the file). Readers
/// only read parts of files the manifest lists. Parts are written column by column with
/// Parquet.Net (<see cref="PacketPartWriter"/>) and read with DuckDB.
/// </remarks>
public sealed class PacketStore
{
    private const string StagingPrefix = ".staging-";
    private PacketStoreManifest _manifest;

    private PacketStore(string directory, PacketStoreManifest manifest)
    {
        Directory = directory;
        _manifest = manifest;
    }

    /// <summary>The store's folder.</summary>
    public string Directory { get; }

    /// <summary>Which packets the store keeps.</summary>
    public StoredPackets Filter => Enum.Parse<StoredPackets>(_manifest.Filter, ignoreCase: true);

    /// <summary>The input files the store holds, in ingest order.</summary>
    public IReadOnlyList<IngestedFile> Files => _manifest.Files;

    /// <summary>Opens an existing store; throws <see cref="StorageException"/> when the folder is not one.</summary>
    public static PacketStore Open(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var full = Path.GetFullPath(directory);
        var manifest = PacketStoreManifest.Load(full)
            ?? throw new StorageException($"{directory}: not a packet store (no {PacketStoreManifest.FileName}); create one with 'scanscope ingest INPUT... --store {directory}'");
        return new PacketStore(full, manifest);
    }

    /// <summary>Opens the store in <paramref name="directory"/>, creating an empty one with <paramref name="filter"/> when there is none.</summary>
    public static PacketStore OpenOrCreate(string directory, StoredPackets filter)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var full = Path.GetFullPath(directory);
        var manifest = PacketStoreManifest.Load(full);
        if (manifest is null)
        {
            if (System.IO.Directory.Exists(full) && System.IO.Directory.EnumerateFileSystemEntries(full).Any())
            {
                throw new StorageException($"{directory}: folder is not empty and holds no packet store; choose an empty or new folder");
            }

            System.IO.Directory.CreateDirectory(full);
            manifest = new PacketStoreManifest(PacketStoreManifest.CurrentVersion, FilterName(filter), []);
            manifest.Save(full);
        }
        else if (!string.Equals(manifest.Filter, FilterName(filter), StringComparison.Ordinal))
        {
            throw new StorageException($"{directory}: the store keeps '{manifest.Filter}' packets, not '{FilterName(filter)}'; use another folder");
        }

        return new PacketStore(full, manifest);
    }

    /// <summary>
    /// Adds the packets of the capture at <paramref name="inputPath"/> that pass the store's filter,
    /// unless the file is already in the store unchanged (or <paramref name="force"/> is set).
    /// </summary>
    public IngestResult Ingest(string inputPath, bool force = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputPath);
        var path = Path.GetFullPath(inputPath);
        var fingerprint = FileFingerprint.Of(path);
        var id = FileId(path);
        var existing = _manifest.Files.FirstOrDefault(f => f.Id == id);
        if (!force)
        {
            if (existing is not null && existing.Fingerprint == fingerprint)
            {
                return new IngestResult(IngestAction.SkippedUnchanged, existing);
            }

            var copy = _manifest.Files.FirstOrDefault(f => f.Id != id && f.Fingerprint == fingerprint);
            if (copy is not null)
            {
                return new IngestResult(IngestAction.SkippedCopy, copy);
            }
        }

        var staging = Path.Combine(Directory, StagingPrefix + id);
        if (System.IO.Directory.Exists(staging))
        {
            System.IO.Directory.Delete(staging, recursive: true);
        }

        System.IO.Directory.CreateDirectory(staging);
        try
        {
            var (read, kept, skipped) = WriteParts(path, id, staging);

            // Out of the manifest first: from here until the entry is back, readers ignore the
            // file's parts and a killed run redoes the file.
            SaveManifest(_manifest.Files.Where(f => f.Id != id));
            foreach (var old in PartsOf(id))
            {
                File.Delete(old);
            }

            foreach (var part in System.IO.Directory.EnumerateFiles(staging, "*.parquet", SearchOption.AllDirectories))
            {
                var hour = Path.GetFileName(Path.GetDirectoryName(part)!);
                var target = Path.Combine(Directory, hour);
                System.IO.Directory.CreateDirectory(target);
                File.Move(part, Path.Combine(target, Path.GetFileName(part)), overwrite: true);
            }

            var entry = new IngestedFile(id, path, fingerprint, read, kept, skipped, DateTime.UtcNow);
            SaveManifest(_manifest.Files.Append(entry));
            return new IngestResult(existing is null ? IngestAction.Ingested : IngestAction.Replaced, entry);
        }
        finally
        {
            System.IO.Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>
    /// Every stored packet in time order (hour by hour; within an hour sorted by timestamp), read
    /// from the parts of the files the manifest lists. Memory is bounded by one hour's packets,
    /// and DuckDB spills a large hour's sort to disk.
    /// </summary>
    public IEnumerable<PacketRecord> ReadPackets()
    {
        var ids = _manifest.Files.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
        var hours = System.IO.Directory.EnumerateDirectories(Directory, "hour=*")
            .Order(StringComparer.Ordinal)
            .Select(h => System.IO.Directory.EnumerateFiles(h, "part-*.parquet").Where(p => ids.Contains(IdOfPart(p))).Order(StringComparer.Ordinal).ToList())
            .Where(parts => parts.Count > 0);
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        foreach (var parts in hours)
        {
            using var command = connection.CreateCommand();
            var list = string.Join(", ", parts.Select(Sql.PathLiteral));
            command.CommandText = $"SELECT {PacketColumns.NameList} FROM read_parquet([{list}], hive_partitioning = false) ORDER BY ts_ns";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                yield return PacketColumns.Read(reader);
            }
        }
    }

    /// <summary>The stored packets as a capture reader (same order as <see cref="ReadPackets"/>).</summary>
    public IPacketReader OpenReader() => new PacketStoreReader(ReadPackets().GetEnumerator());

    /// <summary>SQL-ready path glob of every part, for a user's own DuckDB query (<c>read_parquet(glob, hive_partitioning = true)</c>).</summary>
    public string PartsGlob => Path.Combine(Directory, "hour=*", "part-*.parquet");

    private (long Read, long Kept, long Skipped) WriteParts(string path, string id, string staging)
    {
        long kept = 0;
        using var reader = CaptureReader.Open(path);
        using var parts = new PacketPartWriter(staging, id);
        var synOnly = Filter == StoredPackets.Syn;
        while (reader.TryRead(out var packet))
        {
            if (!synOnly || packet.IsSyn)
            {
                parts.Add(packet);
                kept++;
            }
        }

        parts.Complete();
        return (reader.Counters.Packets, kept, reader.Counters.TotalSkipped);
    }

    private List<string> PartsOf(string id) =>
        System.IO.Directory.EnumerateDirectories(Directory, "hour=*")
            .SelectMany(h => System.IO.Directory.EnumerateFiles(h, $"part-{id}-*.parquet"))
            .ToList();

    private void SaveManifest(IEnumerable<IngestedFile> files)
    {
        _manifest = _manifest with { Files = [.. files] };
        _manifest.Save(Directory);
    }

    private static string FilterName(StoredPackets filter) => filter.ToString().ToLowerInvariant();

    // 16 hex digits of SHA-256 of the full path: stable across runs, safe in a file name.
    private static string FileId(string fullPath) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fullPath)).AsSpan(0, 8));

    private static string IdOfPart(string partPath)
    {
        var name = Path.GetFileNameWithoutExtension(partPath);
        var parts = name.Split('-');
        return parts.Length >= 3 ? parts[1] : string.Empty;
    }

    private sealed class PacketStoreReader(IEnumerator<PacketRecord> packets) : IPacketReader
    {
        public CaptureCounters Counters { get; } = new();

        public bool TryRead(out PacketRecord packet)
        {
            if (!packets.MoveNext())
            {
                packet = default;
                return false;
            }

            packet = packets.Current;
            Counters.Records++;
            Counters.Packets++;
            Counters.FirstTimestampNs = Math.Min(Counters.FirstTimestampNs, packet.TimestampNs);
            Counters.LastTimestampNs = Math.Max(Counters.LastTimestampNs, packet.TimestampNs);
            return true;
        }

        public void Dispose() => packets.Dispose();
    }
}
