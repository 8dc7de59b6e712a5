using ScanScope.Capture;

namespace ScanScope.Tests.Capture;

public sealed class CaptureInputsTests
{
    [Fact]
    public void Folder_IsOrderedByFirstTimestamp_NotByName()
    {
        using var files = new TestFiles();
        var a = files.Write("caps/cap.pcap10", Capture(start: 3));
        var b = files.Write("caps/cap.pcap9", Capture(start: 2));
        var c = files.Write("caps/cap.pcap", Capture(start: 1));
        files.Write("caps/.hidden", Capture(start: 0));
        var empty = files.Write("caps/zzz-empty.pcap", []);
        Assert.Equal([c, b, a, empty], CaptureInputs.Expand([Path.Combine(files.Root, "caps")]));
    }

    [Fact]
    public void Glob_MatchesFilesAndDeepPatterns_EachOnce()
    {
        using var files = new TestFiles();
        var one = files.Write("caps/h1/x.pcap.gz", SampleCaptures.Gzip(Capture(start: 5)));
        var two = files.Write("caps/h2/x.pcap.gz", SampleCaptures.Gzip(Capture(start: 4)));
        files.Write("caps/h2/x.pcapng", Capture(start: 1));
        Assert.Equal([two, one], CaptureInputs.Expand([files.Root + "/caps/*/*.pcap.gz", files.Root + "/caps/**/x.pcap.gz", one]));
    }

    [Fact]
    public void StandardInput_StaysFirst()
    {
        using var files = new TestFiles();
        var f = files.Write("a.pcap", Capture(start: 1));
        Assert.Equal(new[] { "-", f }, CaptureInputs.Expand([f, "-"]));
    }

    [Fact]
    public void MissingFileOrEmptyGlob_IsFileNotFound()
    {
        using var files = new TestFiles();
        Assert.Throws<FileNotFoundException>(() => CaptureInputs.Expand([files.Root + "/nothing.pcap"]));
        Assert.Throws<FileNotFoundException>(() => CaptureInputs.Expand([files.Root + "/*.pcap"]));
    }

    private static byte[] Capture(int start)
    {
        using var ms = new MemoryStream();
        using (var w = new PcapWriter(ms, ownsStream: false))
        {
            w.Write(new() { TimestampNs = start * 3_600_000_000_000L, Flags = ScanScope.Packets.TcpFlags.Syn });
        }

        return ms.ToArray();
    }
}
