using System.Buffers.Binary;
using System.IO.Compression;

namespace ScanScope.Capture;

/// <summary>Opens a capture file of any supported format.</summary>
/// <remarks>
/// The format is found from the first bytes, never from the file name: classic pcap (four
/// magics), pcapng, and either of them compressed with gzip or zstd. Each reader owns its file and
/// buffers, so readers of different files run in parallel without sharing anything.
/// </remarks>
public static class CaptureReader
{
    private static readonly byte[] GzipMagic = [0x1F, 0x8B];
    private static readonly byte[] ZstdMagic = [0x28, 0xB5, 0x2F, 0xFD];

    /// <summary>Opens <paramref name="path"/> ("-" is standard input) and returns its packet reader.</summary>
    public static IPacketReader Open(string path) => Open(path, CaptureReadOptions.Default);

    /// <summary>Opens <paramref name="path"/> ("-" is standard input) with <paramref name="options"/>.</summary>
    /// <exception cref="CaptureFormatException">The file is empty, cut inside its header, or not a capture.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IPacketReader Open(string path, CaptureReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        var input = OpenInput(path, options.BufferSize);
        try
        {
            return OpenFormat(new ReaderCore(input, path, options));
        }
        catch
        {
            input.Dispose();
            throw;
        }
    }

    /// <summary>Reads captures from a stream that the reader then owns (a decompressor is added when the bytes are gzip or zstd).</summary>
    public static IPacketReader Open(Stream stream, string name, CaptureReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(options);
        var input = OpenStream(stream, null, options.BufferSize);
        try
        {
            return OpenFormat(new ReaderCore(input, name, options));
        }
        catch
        {
            input.Dispose();
            throw;
        }
    }

    /// <summary>The timestamp (ns) of the first record of <paramref name="path"/>, or null when it has none or cannot be read.</summary>
    public static long? FirstTimestamp(string path)
    {
        try
        {
            using var reader = Open(path, CaptureReadOptions.Default with { BufferSize = 1 << 16 });
            reader.TryRead(out _);
            var first = reader.Counters.FirstTimestampNs;
            return first == long.MaxValue ? null : first;
        }
        catch (CaptureFormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// Opens the records of the classic pcap file <paramref name="path"/> that start at or after
    /// <paramref name="from"/> (a record start, or 0) and before <paramref name="limit"/>: one slice of a
    /// file read by several threads. Offsets in messages are the file's own.
    /// </summary>
    internal static PcapReader OpenSlice(string path, long from, long limit, CaptureReadOptions options)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        try
        {
            var input = new CaptureBuffer(handle, options.BufferSize, PcapReader.GlobalHeaderLength, from, limit, PcapReader.RecordHeaderLength + (int)PcapReader.MaxRecordLength);
            return new PcapReader(new ReaderCore(input, path, options));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// True when <paramref name="path"/> is a regular file in classic pcap format (not compressed):
    /// it can be cut into slices at record starts (<see cref="PcapReader.FindRecordStart"/>).
    /// </summary>
    internal static bool IsPlainPcap(string path)
    {
        if (!IsPlainFile(path))
        {
            return false;
        }

        try
        {
            using var handle = File.OpenHandle(path);
            Span<byte> magic = stackalloc byte[4];
            return RandomAccess.Read(handle, magic, 0) == 4
                && PcapReader.Format(BinaryPrimitives.ReadUInt32LittleEndian(magic)) is not null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// True when <paramref name="path"/> is a regular file whose bytes are not gzip or zstd: reading
    /// it again costs only the parse (no decompression, no stream that can be read once).
    /// </summary>
    public static bool IsPlainFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        // A pipe or a device (process substitution, /dev/stdin from a pipe) has no length; opening
        // a pipe would even wait for its writer.
        if (path == "-" || !File.Exists(path) || new FileInfo(path).Length == 0)
        {
            return false;
        }

        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            if (!file.CanSeek)
            {
                return false;
            }

            Span<byte> magic = stackalloc byte[4];
            var n = file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
            return !IsCompressed(magic[..n]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static CaptureBuffer OpenInput(string path, int size)
    {
        if (path == "-")
        {
            return OpenStream(Console.OpenStandardInput(), null, size);
        }

        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        try
        {
            Span<byte> magic = stackalloc byte[4];
            var n = RandomAccess.Read(handle, magic, 0);
            if (IsCompressed(magic[..n]))
            {
                var file = new FileStream(handle, FileAccess.Read, 1 << 20);
                return Decompressing(file, file, size, magic[..n]);
            }

            return new CaptureBuffer(handle, size);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static CaptureBuffer OpenStream(Stream stream, Stream? source, int size)
    {
        var raw = new CaptureBuffer(stream, source, size);
        var magic = raw.Peek(4);
        if (!IsCompressed(magic))
        {
            return raw;
        }

        // The magic is already in the window: hand the decompressor a stream that replays it.
        var replay = new ReplayStream(raw.Buffer.AsSpan(raw.Start, raw.Available).ToArray(), stream);
        return Decompressing(replay, null, size, magic);
    }

    private static bool IsCompressed(ReadOnlySpan<byte> magic) => magic.StartsWith(GzipMagic) || magic.StartsWith(ZstdMagic);

    private static CaptureBuffer Decompressing(Stream compressed, Stream? source, int size, ReadOnlySpan<byte> magic)
    {
        var gzip = magic.StartsWith(GzipMagic);
        Stream decompressor = gzip
            ? new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: false)
            : NativeZstdStream.IsAvailable
                ? new NativeZstdStream(compressed)
                : new ZstdSharp.DecompressionStream(compressed, 1 << 20, checkEndOfStream: true, leaveOpen: false);
        // Decompression runs a few MiB ahead on its own thread when there is a core for it.
        if (Environment.ProcessorCount > 1)
        {
            decompressor = new ReadAheadStream(decompressor);
        }

        return new CaptureBuffer(decompressor, source, size) { Compression = gzip ? "gzip" : "zstd" };
    }

    private static IPacketReader OpenFormat(ReaderCore core)
    {
        var input = core.Input;
        var head = input.Peek(4);
        if (head.Length < 4)
        {
            if (input.Error is not null)
            {
                CaptureFormatException.Throw(core.Path, input.ErrorOffset, input.Error);
            }

            CaptureFormatException.Throw(core.Path, head.Length, head.Length == 0 ? "empty file" : $"file ends after {head.Length} bytes, inside the capture header");
        }

        var magic = BinaryPrimitives.ReadUInt32LittleEndian(head);
        if (magic == PcapNgReader.SectionHeaderType)
        {
            return new PcapNgReader(core);
        }

        if (PcapReader.Format(magic) is not null)
        {
            return new PcapReader(core);
        }

        var what = IsCompressed(head) ? "compressed twice" : "not a pcap or pcapng capture";
        throw new CaptureFormatException(core.Path, 0, $"{what} (starts with {Convert.ToHexString(head)})");
    }

    /// <summary>Replays bytes already read from a non-seekable stream, then goes on with the stream.</summary>
    private sealed class ReplayStream(byte[] prefix, Stream inner) : ReadOnlyStream
    {
        private int _at;

        public override int Read(Span<byte> buffer)
        {
            if (_at < prefix.Length)
            {
                var n = Math.Min(buffer.Length, prefix.Length - _at);
                prefix.AsSpan(_at, n).CopyTo(buffer);
                _at += n;
                return n;
            }

            return inner.Read(buffer);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
