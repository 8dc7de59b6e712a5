using ScanScope.Storage.Packets;

namespace ScanScope.Tests.Storage;

[Collection(ConsoleCollection.Name)]
public sealed class IngestCommandTests
{
    [Fact]
    public void IngestVerb_FillsTheStoreFromAFolderAndSkipsItTheSecondTime()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.Sub("captures"));
        var a = PacketStoreTests.WriteCapture(dir.Sub("captures/a.pcap"), seed: 21, count: 300);
        var b = PacketStoreTests.WriteCapture(dir.Sub("captures/b.pcap"), seed: 22, count: 200);

        var first = ScanScope.Cli.Cli.Run(["ingest", dir.Sub("captures"), "--store", dir.Sub("store")]);
        var second = ScanScope.Cli.Cli.Run(["ingest", dir.Sub("captures/*.pcap"), "--store", dir.Sub("store")]);

        var store = PacketStore.Open(dir.Sub("store"));
        var syn = PacketStoreTests.ReadCapture(a).Concat(PacketStoreTests.ReadCapture(b)).LongCount(p => p.IsSyn);
        Assert.Equal(0, first);
        Assert.Equal(0, second);
        Assert.Equal(2, store.Files.Count);
        Assert.Equal(syn, store.ReadPackets().LongCount());
    }

    [Fact]
    public void MissingInput_IsAUsageError()
    {
        using var dir = new TempFolder();

        var code = ScanScope.Cli.Cli.Run(["ingest", dir.Sub("nothing.pcap"), "--store", dir.Sub("store")]);

        Assert.Equal(2, code);
        Assert.False(Directory.Exists(dir.Sub("store")));
    }

    [Fact]
    public void ForceWithClickHouse_IsRefusedRatherThanDuplicatingRows()
    {
        using var dir = new TempFolder();
        var a = PacketStoreTests.WriteCapture(dir.Sub("a.pcap"), seed: 23, count: 10);

        var code = ScanScope.Cli.Cli.Run(["ingest", a, "--clickhouse", "http://127.0.0.1:1/", "--force"]);

        Assert.Equal(2, code);
    }
}
