using System.Buffers.Binary;
using System.Security.Cryptography;

namespace ScanScope.Simulation;

/// <summary>
/// ZMap's seeded random source (<c>aesrand</c>): key = the seed's 8 bytes little-endian and 8 zero
/// bytes; each step encrypts the previous block (starting from zero) with AES-128 ECB. 2.1.1 reads
/// one little-endian word per block (bytes 0–7); 4.x reads two (bytes 0–7, then 8–15).
/// </summary>
public sealed class AesRandom : IDisposable
{
    private readonly Aes _aes;
    private readonly ZmapVersion _version;
    private readonly byte[] _block = new byte[16];
    private bool _secondWordPending;

    /// <summary>Starts the stream for a seed.</summary>
    public AesRandom(ulong seed, ZmapVersion version)
    {
        var key = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(key, seed);
        _aes = Aes.Create();
        _aes.Key = key;
        _version = version;
    }

    /// <summary>The next 64-bit word.</summary>
    public ulong NextWord()
    {
        if (_version == ZmapVersion.V4 && _secondWordPending)
        {
            _secondWordPending = false;
            return BinaryPrimitives.ReadUInt64LittleEndian(_block.AsSpan(8));
        }

        Span<byte> input = stackalloc byte[16];
        _block.CopyTo(input);
        _aes.EncryptEcb(input, _block, PaddingMode.None);
        _secondWordPending = true;
        return BinaryPrimitives.ReadUInt64LittleEndian(_block);
    }

    /// <inheritdoc />
    public void Dispose() => _aes.Dispose();
}
