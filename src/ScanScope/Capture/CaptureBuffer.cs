using Microsoft.Win32.SafeHandles;

namespace ScanScope.Capture;

/// <summary>
/// A sliding window over a capture's bytes, refilled by large reads (4 MiB by default) so the
/// record parsers walk spans of one array instead of issuing a read per record.
/// </summary>
/// <remarks>
/// Plain files are read with <see cref="RandomAccess.Read(SafeFileHandle, Span{byte}, long)"/>
/// straight into the window (one copy from the page cache, no stream buffer in between);
/// decompressors and standard input are read as streams. The parsers keep their position in
/// <see cref="Start"/>; <see cref="Ensure"/> slides the unread tail to the front and refills.
/// </remarks>
internal sealed class CaptureBuffer : IDisposable
{
    private readonly SafeFileHandle? _file;
    private readonly long _rangeStart;
    private readonly int _overrun;
    private long _readLimit = long.MaxValue;
    private readonly Stream? _stream;
    private readonly Stream? _compressedSource;
    private long _fileOffset;
    private long _bufferOffset;
    private bool _eof;
    private bool _disposed;
    private long _sourceBytes;

    /// <summary>Reads a plain file through its handle.</summary>
    public CaptureBuffer(SafeFileHandle file, int size)
    {
        _file = file;
        Buffer = new byte[size];
    }

    /// <summary>
    /// Reads the part of a plain file whose records start in <c>[from, limit)</c>: the file's first
    /// <paramref name="header"/> bytes (the capture header), then the bytes from <paramref name="from"/>
    /// on (from the start when <paramref name="from"/> is at most the header). The record that starts before <paramref name="limit"/> is read whole; reads stop
    /// <paramref name="overrun"/> bytes past the limit (one record at most).
    /// </summary>
    public CaptureBuffer(SafeFileHandle file, int size, int header, long from, long limit, int overrun)
        : this(file, size)
    {
        Limit = limit;
        _overrun = overrun;
        _readLimit = limit > long.MaxValue - overrun ? long.MaxValue : limit + overrun;
        if (from > header)
        {
            // The header goes in front of the range's bytes; offsets stay those of the file.
            End = RandomAccess.Read(file, Buffer.AsSpan(0, header), 0);
            _fileOffset = from;
            _bufferOffset = from - header;
            _rangeStart = from;
        }
    }

    /// <summary>Reads a stream (a decompressor or standard input); <paramref name="source"/> is the compressed file, for progress.</summary>
    public CaptureBuffer(Stream stream, Stream? source, int size)
    {
        _stream = stream;
        _compressedSource = source;
        Buffer = new byte[size];
    }

    /// <summary>The window; valid bytes are <c>[Start, End)</c>.</summary>
    public byte[] Buffer { get; private set; }

    /// <summary>Next unread byte in <see cref="Buffer"/>.</summary>
    public int Start { get; set; }

    /// <summary>One past the last valid byte in <see cref="Buffer"/>.</summary>
    public int End { get; private set; }

    /// <summary>Why the input ended early (a damaged compressed stream), or null.</summary>
    public string? Error { get; set; }

    /// <summary>Decompressed offset where <see cref="Error"/> happened.</summary>
    public long ErrorOffset { get; private set; }

    /// <summary>"gzip" or "zstd" for a decompressing input (for messages), else "capture".</summary>
    public string Compression { get; init; } = "capture";

    /// <summary>File offset where the readers stop: no record starting at or past it is read (the end of a file's slice).</summary>
    public long Limit { get; private set; } = long.MaxValue;

    /// <summary>
    /// Ends a file's slice earlier, at <paramref name="limit"/> (from the next unread byte on, and not
    /// past the current limit): the records that start there are another reader's.
    /// </summary>
    public void EndAt(long limit)
    {
        if (_file is null || limit < Offset || limit > Limit)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, $"a slice ends between {Offset} and {Limit}");
        }

        Limit = limit;
        _readLimit = Math.Min(_readLimit, limit + _overrun);
    }

    /// <summary>Bytes available without a refill.</summary>
    public int Available => End - Start;

    /// <summary>Offset in the (decompressed) capture of <see cref="Buffer"/>[<paramref name="index"/>].</summary>
    public long OffsetOf(int index) => _bufferOffset + index;

    /// <summary>Offset in the (decompressed) capture of the next unread byte.</summary>
    public long Offset => _bufferOffset + Start;

    /// <summary>Bytes of the source file consumed so far (compressed bytes for a compressed file).</summary>
    public long SourceBytes
    {
        get
        {
            // Kept after Dispose, so counters read after closing the reader still say how far it got.
            if (!_disposed)
            {
                // A slice of a file counts its own bytes (the slices of a file add up to its length).
                _sourceBytes = _file is not null ? Math.Min(_fileOffset, Limit) - _rangeStart : _compressedSource?.Position ?? _bufferOffset + End;
            }

            return _sourceBytes;
        }
    }

    /// <summary>True when the source is exhausted and every byte has been consumed.</summary>
    public bool AtEnd => Available == 0 && (_eof || !Ensure(1));

    /// <summary>
    /// Makes at least <paramref name="count"/> bytes available from <see cref="Start"/>; false when
    /// the capture ends first (then <see cref="Available"/> is what is left).
    /// </summary>
    public bool Ensure(int count)
    {
        if (End - Start >= count)
        {
            return true;
        }

        if (_eof)
        {
            return false;
        }

        if (Start > 0)
        {
            var left = End - Start;
            System.Buffer.BlockCopy(Buffer, Start, Buffer, 0, left);
            _bufferOffset += Start;
            Start = 0;
            End = left;
        }

        if (count > Buffer.Length)
        {
            var bigger = new byte[(int)Math.Min(Array.MaxLength, Math.Max((long)count, 2L * Buffer.Length))];
            System.Buffer.BlockCopy(Buffer, 0, bigger, 0, End);
            Buffer = bigger;
        }

        // Streams (decompressors, pipes) hand out small pieces: keep reading until the window is
        // at least half full, so a refill happens once per megabytes, not once per piece.
        while (End < count || End < Buffer.Length / 2)
        {
            var n = Read(Buffer.AsSpan(End));
            if (n == 0)
            {
                _eof = true;
                break;
            }

            End += n;
        }

        return End - Start >= count;
    }

    /// <summary>Reads the first bytes without consuming them (for format detection).</summary>
    public ReadOnlySpan<byte> Peek(int count)
    {
        Ensure(count);
        return Buffer.AsSpan(Start, Math.Min(count, Available));
    }

    private int Read(Span<byte> destination)
    {
        if (_file is not null)
        {
            if (_readLimit - _fileOffset < destination.Length)
            {
                destination = destination[..(int)Math.Max(0, _readLimit - _fileOffset)];
            }

            var n = destination.IsEmpty ? 0 : RandomAccess.Read(_file, destination, _fileOffset);
            _fileOffset += n;
            return n;
        }

        try
        {
            return _stream!.Read(destination);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ZstdSharp.ZstdException)
        {
            // A damaged or cut compressed stream: the capture ends here, and the reader reports why.
            Error = $"{Compression} data is damaged ({e.Message.TrimEnd('.')})";
            ErrorOffset = _bufferOffset + End;
            return 0;
        }
    }

    public void Dispose()
    {
        _ = SourceBytes;
        _disposed = true;
        _file?.Dispose();
        _stream?.Dispose();
        _compressedSource?.Dispose();
    }
}
