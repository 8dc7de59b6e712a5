using ScanScope.Capture;
using ScanScope.Packets;

namespace ScanScope.Tests.Capture;

internal static class Read
{
    public static (List<PacketRecord> Packets, CaptureCounters Counters) All(string path, CaptureReadOptions? options = null)
    {
        using var reader = CaptureReader.Open(path, options ?? CaptureReadOptions.Default);
        return All(reader);
    }

    public static (List<PacketRecord> Packets, CaptureCounters Counters) All(IPacketReader reader)
    {
        var packets = new List<PacketRecord>();
        while (reader.TryRead(out var p))
        {
            packets.Add(p);
        }

        return (packets, reader.Counters);
    }

    public static (List<PacketRecord> Packets, CaptureCounters Counters) Bytes(byte[] data, CaptureReadOptions? options = null)
    {
        using var reader = CaptureReader.Open(new MemoryStream(data), "mem", options ?? CaptureReadOptions.Default);
        return All(reader);
    }
}
