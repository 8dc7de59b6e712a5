using System.Text.Json;
using System.Text.Json.Serialization;

namespace ScanScope.Storage.Packets;

/// <summary>One input file whose packets the store holds.</summary>
/// <param name="Id">Names the file's Parquet parts (<c>part-ID-N.parquet</c>); derived from <paramref name="Path"/>.</param>
/// <param name="Path">The input's full path when it was ingested.</param>
/// <param name="Fingerprint">Size, modification time and head hash at ingest time.</param>
/// <param name="PacketsRead">IPv4 TCP packets the capture reader handed out.</param>
/// <param name="PacketsKept">Packets that passed the filter and are stored.</param>
/// <param name="RecordsSkipped">Capture records skipped by the reader (not IPv4 TCP, damaged).</param>
/// <param name="IngestedUtc">When the ingest finished.</param>
public sealed record IngestedFile(
    string Id,
    string Path,
    FileFingerprint Fingerprint,
    long PacketsRead,
    long PacketsKept,
    long RecordsSkipped,
    DateTime IngestedUtc);

/// <summary>The store's table of contents, <c>manifest.json</c>: its filter and the files it holds.</summary>
internal sealed record PacketStoreManifest(int Version, string Filter, IReadOnlyList<IngestedFile> Files)
{
    public const string FileName = "manifest.json";
    public const int CurrentVersion = 1;

    public static PacketStoreManifest? Load(string directory)
    {
        var path = System.IO.Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var manifest = JsonSerializer.Deserialize(File.ReadAllText(path), ManifestJson.Default.PacketStoreManifest);
            if (manifest is null || manifest.Version != CurrentVersion || manifest.Files is null)
            {
                throw new StorageException($"{path}: not a version {CurrentVersion} packet store manifest");
            }

            return manifest;
        }
        catch (JsonException e)
        {
            throw new StorageException($"{path}: damaged packet store manifest ({e.Message})", e);
        }
    }

    /// <summary>Writes the manifest to a temporary name and renames it over the old one.</summary>
    public void Save(string directory)
    {
        var path = System.IO.Path.Combine(directory, FileName);
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, ManifestJson.Default.PacketStoreManifest));
        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>Source-generated JSON for the manifest (no reflection, so trimmed and AOT builds work).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PacketStoreManifest))]
internal sealed partial class ManifestJson : JsonSerializerContext;
