namespace ScanScope.Capture;

/// <summary>
/// A capture that cannot be read further: the message names the file and the byte offset, in one
/// line, so the CLI can print it as it is.
/// </summary>
public sealed class CaptureFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/> at <paramref name="offset"/>.</summary>
    public CaptureFormatException(string path, long offset, string problem)
        : base($"{path}: byte {offset}: {problem}")
    {
        Path = path;
        Offset = offset;
        Problem = problem;
    }

    /// <summary>The file (or "-" for standard input).</summary>
    public string Path { get; }

    /// <summary>Byte offset in the (decompressed) capture where the problem is.</summary>
    public long Offset { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    /// <summary>The one throw helper for damaged input.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void Throw(string path, long offset, string problem) => throw new CaptureFormatException(path, offset, problem);
}
