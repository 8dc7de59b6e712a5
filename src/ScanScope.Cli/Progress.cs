using System.Diagnostics;

namespace ScanScope.Cli;

/// <summary>
/// Progress of a long read on standard error: created with the total byte count (0 when unknown,
/// e.g. standard input), told the bytes done; silent for the first two seconds so short runs print
/// nothing. On a terminal it redraws one bar line with rate and ETA; when standard error is a file
/// or pipe it writes a plain line every five seconds instead. Thread-safe: parallel readers call
/// <see cref="Advance"/>. Dispose clears the bar.
/// </summary>
internal sealed class Progress : IDisposable
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);
    private readonly long _total;
    private readonly TextWriter _error;
    private readonly bool _terminal;
    private readonly TimeSpan _every;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _lock = new();
    private long _done;
    private TimeSpan _lastDraw;
    private bool _drawn;

    /// <summary>Starts the clock; <paramref name="totalBytes"/> 0 means the total is unknown.</summary>
    public Progress(long totalBytes, TextWriter? error = null, bool? terminal = null)
    {
        _total = Math.Max(0, totalBytes);
        _error = error ?? Console.Error;
        _terminal = terminal ?? !Console.IsErrorRedirected;
        _every = _terminal ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(5);
    }

    /// <summary>Sets the bytes done so far.</summary>
    public void Report(long bytesDone)
    {
        Interlocked.Exchange(ref _done, bytesDone);
        MaybeDraw();
    }

    /// <summary>An <see cref="IProgress{T}"/> that reports the bytes done in each value, on the caller's thread.</summary>
    public IProgress<T> For<T>(Func<T, long> bytesDone) => new Reporter<T>(this, bytesDone);

    /// <summary>Adds bytes done (for several readers at once).</summary>
    public void Advance(long bytes)
    {
        Interlocked.Add(ref _done, bytes);
        MaybeDraw();
    }

    /// <summary>The line that would be drawn now (also used by tests).</summary>
    internal string Line(TimeSpan elapsed)
    {
        var done = Interlocked.Read(ref _done);
        var rate = elapsed.TotalSeconds > 0 ? done / elapsed.TotalSeconds : 0;
        var text = $"{Bytes(done)}";
        if (_total > 0)
        {
            var fraction = Math.Clamp((double)done / _total, 0, 1);
            var eta = rate > 0 ? TimeSpan.FromSeconds((_total - Math.Min(done, _total)) / rate) : (TimeSpan?)null;
            text = $"{Bytes(done)} of {Bytes(_total)} ({fraction * 100:0}%), {Bytes((long)rate)}/s, ETA {(eta is { } e ? Clock(e) : "?")}";
            if (_terminal)
            {
                const int width = 30;
                var filled = (int)(fraction * width);
                text = $"[{new string('#', filled)}{new string(' ', width - filled)}] {text}";
            }
        }
        else
        {
            text += $", {Bytes((long)rate)}/s";
        }

        return "scanscope: reading " + text;
    }

    private void MaybeDraw()
    {
        var now = _clock.Elapsed;
        if (now < Quiet || now - _lastDraw < _every || !_lock.TryEnter())
        {
            return;
        }

        try
        {
            _lastDraw = now;
            if (_terminal)
            {
                _error.Write("\r" + Line(now) + "\u001b[K");
            }
            else
            {
                _error.WriteLine(Line(now));
            }

            _drawn = true;
        }
        finally
        {
            _lock.Exit();
        }
    }

    internal static string Bytes(long n) => n switch
    {
        >= 1L << 30 => $"{n / (double)(1L << 30):0.00} GiB",
        >= 1L << 20 => $"{n / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{n / 1024.0:0.0} KiB",
        _ => $"{n} B",
    };

    private static string Clock(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}" : $"{t.Minutes}:{t.Seconds:00}";

    private sealed class Reporter<T>(Progress bar, Func<T, long> bytesDone) : IProgress<T>
    {
        public void Report(T value) => bar.Report(bytesDone(value));
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_drawn && _terminal)
            {
                _error.Write("\r\u001b[K");
            }
        }
    }
}
