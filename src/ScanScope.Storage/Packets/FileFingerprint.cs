using System.Security.Cryptography;

namespace ScanScope.Storage.Packets;

/// <summary>
/// What identifies an input file's content cheaply: its size, modification time and a SHA-256
/// of its first MiB. Hourly rotated captures differ in all three; a copy keeps at least the
/// size and head hash, and a file still being written changes size.
/// </summary>
public sealed record FileFingerprint(long Size, DateTime ModifiedUtc, string HeadSha256)
{
    /// <summary>How much of the file's head is hashed.</summary>
    public const int HeadBytes = 1 << 20;

    /// <summary>Fingerprints the file at <paramref name="path"/>.</summary>
    public static FileFingerprint Of(string path)
    {
        var info = new FileInfo(path);
        using var stream = info.OpenRead();
        var buffer = new byte[(int)Math.Min(HeadBytes, info.Length)];
        stream.ReadExactly(buffer);
        return new FileFingerprint(info.Length, info.LastWriteTimeUtc, Convert.ToHexStringLower(SHA256.HashData(buffer)));
    }
}
