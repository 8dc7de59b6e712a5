namespace ScanScope.Capture;

/// <summary>Opens a capture file of any supported format.</summary>
public static class CaptureReader
{
    /// <summary>Opens <paramref name="path"/> ("-" is standard input) and returns its packet reader.</summary>
    public static IPacketReader Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var stream = path == "-"
            ? Console.OpenStandardInput()
            : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        try
        {
            return new PcapReader(stream, path);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }
}
