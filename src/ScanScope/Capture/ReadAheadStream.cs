using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace ScanScope.Capture;

/// <summary>
/// Runs a decompressor on its own thread, a few megabytes ahead of the parser, so that on a
/// machine with a spare core reading a .gz/.zst costs the time of decompression alone, not
/// decompression plus parsing. Exceptions of the decompressor surface on the reading side.
/// </summary>
internal sealed class ReadAheadStream : ReadOnlyStream
{
    private const int ChunkSize = 1 << 20;
    private const int Chunks = 4;
    private readonly Stream _inner;
    private readonly Channel<(byte[] Buffer, int Count)> _full = Channel.CreateBounded<(byte[], int)>(Chunks);
    private readonly Channel<byte[]> _empty = Channel.CreateUnbounded<byte[]>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _producer;
    private byte[]? _current;
    private int _at;
    private int _count;
    private ExceptionDispatchInfo? _failure;
    private bool _done;

    public ReadAheadStream(Stream inner)
    {
        _inner = inner;
        for (var i = 0; i < Chunks + 1; i++)
        {
            _empty.Writer.TryWrite(new byte[ChunkSize]);
        }

        _producer = Task.Factory.StartNew(Produce, TaskCreationOptions.LongRunning);
    }

    public override int Read(Span<byte> buffer)
    {
        while (_current is null || _at == _count)
        {
            if (_current is not null)
            {
                _empty.Writer.TryWrite(_current);
                _current = null;
            }

            if (_done)
            {
                return 0;
            }

            // Blocking here is the point: the parser waits for the decompressor thread.
            if (!_full.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult() || !_full.Reader.TryRead(out var chunk))
            {
                _done = true;
                _failure?.Throw();
                return 0;
            }

            (_current, _count) = chunk;
            _at = 0;
        }

        var n = Math.Min(buffer.Length, _count - _at);
        _current.AsSpan(_at, n).CopyTo(buffer);
        _at += n;
        return n;
    }

    private void Produce()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var buffer = _empty.Reader.ReadAsync(_stop.Token).AsTask().GetAwaiter().GetResult();
                var filled = 0;
                int n;
                try
                {
                    while (filled < buffer.Length && (n = _inner.Read(buffer.AsSpan(filled))) > 0)
                    {
                        filled += n;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Hand over what was decompressed before the damage, then the exception.
                    _failure = ExceptionDispatchInfo.Capture(e);
                }

                if (filled > 0)
                {
                    _full.Writer.WriteAsync((buffer, filled), _stop.Token).AsTask().GetAwaiter().GetResult();
                }

                if (_failure is not null)
                {
                    break;
                }

                if (filled < buffer.Length)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            _failure = ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            _full.Writer.TryComplete();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stop.Cancel();

            // A producer stuck in a read from a pipe (stdin) must not hang the caller: give it a
            // moment, and leave the stream to the process's end if it does not return.
            if (_producer.Wait(TimeSpan.FromSeconds(2)))
            {
                _stop.Dispose();
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
