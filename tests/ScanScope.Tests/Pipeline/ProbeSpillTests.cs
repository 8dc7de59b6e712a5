using ScanScope.Capture;
using ScanScope.Confirmation;
using ScanScope.Pipeline;
using ScanScope.Simulation;

namespace ScanScope.Tests.Pipeline;

/// <summary>
/// The second pass in rounds reads the inputs once and spills each round's probes: every round must get
/// exactly what a pass over the inputs for that round gives, and the inputs must be opened once.
/// </summary>
public sealed class ProbeSpillTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scanscope-spill-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void EveryRound_GetsWhatAPassOverTheInputsGives_FromOneRead()
    {
        // Given a simulated month cut into two files, its features, and its sources split into three
        // rounds (every third source with more than one packet; one source in no round)
        var scenario = Path.Combine(_dir, "scenario");
        ScenarioSimulator.Run(ScenarioProfiles.Get("small", seed: 5), scenario);
        var capture = Path.Combine(scenario, "capture.pcap");
        var parts = SplitInTwo(capture);
        var opened = 0;
        PacketSource[] inputs = [.. parts.Select(p => new PacketSource(p, () =>
        {
            Interlocked.Increment(ref opened);
            return CaptureReader.Open(p);
        }))];
        var features = Analysis.Run(inputs, new AnalysisOptions { Threads = 1 }, TestContext.Current.CancellationToken);
        var busy = features.Features.Where(f => f.Packets > 1).Select(f => f.Src).ToArray();
        Assert.True(busy.Length > 30, $"{busy.Length} sources");
        var rounds = Enumerable.Range(0, 3)
            .Select(r => busy.Skip(1).Where((_, i) => i % 3 == r).ToDictionary(s => s, _ => r))
            .ToList();
        opened = 0;

        // When the rounds are collected from a spill in a folder that holds a file of the user's
        var folder = Path.Combine(_dir, "scratch");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "keep.txt"), "mine");
        var spilled = new List<Dictionary<uint, SourceEvents>>();
        using (var spill = new ProbeSpill(folder, rounds) { Threads = 2 })
        {
            for (var r = 0; r < rounds.Count; r++)
            {
                spilled.Add(spill.Collect(r, inputs, SynPredicate.Instance, features));
            }

            // Then the inputs were read once, and the probes took 18 bytes each on disk
            Assert.Equal(inputs.Length, opened);
            Assert.Equal(18L * spilled.Sum(d => d.Values.Sum(e => (long)e.Count)), spill.Bytes);
            Assert.Throws<InvalidOperationException>(() => spill.Collect(0, inputs, SynPredicate.Instance, features));
        }

        // And the spill's own folder is gone, the user's file is not, and each round holds exactly what a
        // pass over the inputs for it collects, probe for probe
        Assert.Equal([Path.Combine(folder, "keep.txt")], Directory.GetFileSystemEntries(folder));
        for (var r = 0; r < rounds.Count; r++)
        {
            AssertSameProbes(ScanScope.Cli.AnalyzePipeline.CollectEvents(inputs, SynPredicate.Instance, features, rounds[r]), spilled[r]);
        }
    }

    [Fact]
    public void OneLargeFile_IsSpilledInSlicesOnTwoThreads_AndEveryRoundGetsWhatAPassGives()
    {
        // Given one simulated month in one pcap file (it can be sliced), its features, two rounds
        var scenario = Path.Combine(_dir, "one");
        ScenarioSimulator.Run(ScenarioProfiles.Get("small", seed: 6), scenario);
        PacketSource[] inputs = [PacketSource.FromFile(Path.Combine(scenario, "capture.pcap"))];
        var features = Analysis.Run(inputs, new AnalysisOptions { Threads = 1 }, TestContext.Current.CancellationToken);
        var busy = features.Features.Where(f => f.Packets > 1).Select(f => f.Src).ToArray();
        var rounds = Enumerable.Range(0, 2).Select(r => busy.Where((_, i) => i % 2 == r).ToDictionary(s => s, _ => r)).ToList();
        Assert.True(ProbeSpill.ReadsInSlices(inputs, 2));
        Assert.False(ProbeSpill.ReadsInSlices(inputs, 1));

        // When the spill reads it on two threads
        var spilled = new List<Dictionary<uint, SourceEvents>>();
        using (var spill = new ProbeSpill(Path.Combine(_dir, "scratch-one"), rounds) { Threads = 2 })
        {
            for (var r = 0; r < rounds.Count; r++)
            {
                spilled.Add(spill.Collect(r, inputs, SynPredicate.Instance, features));
            }

            // Then it read two slices of the one file
            Assert.Equal(2, spill.Units);
        }

        // And each round holds what a pass over the file for it collects, probe for probe, in order
        for (var r = 0; r < rounds.Count; r++)
        {
            AssertSameProbes(ScanScope.Cli.AnalyzePipeline.CollectEvents(inputs, SynPredicate.Instance, features, rounds[r]), spilled[r]);
        }
    }

    // The same sources with the same probes, in the same order.
    private static void AssertSameProbes(Dictionary<uint, SourceEvents> direct, Dictionary<uint, SourceEvents> spilled)
    {
        Assert.NotEmpty(direct);
        Assert.Equal(direct.Keys.Order(), spilled.Keys.Order());
        foreach (var (src, e) in direct)
        {
            Assert.Equal(e.TimesNs, spilled[src].TimesNs);
            Assert.Equal(e.Destinations, spilled[src].Destinations);
            Assert.Equal(e.Ports, spilled[src].Ports);
        }
    }

    // The capture's records in two files, the first half and the rest.
    private string[] SplitInTwo(string capture)
    {
        var records = new List<ScanScope.Packets.PacketRecord>();
        using (var reader = CaptureReader.Open(capture))
        {
            while (reader.TryRead(out var p))
            {
                records.Add(p);
            }
        }

        var files = new[] { Path.Combine(_dir, "a.pcap"), Path.Combine(_dir, "b.pcap") };
        for (var f = 0; f < 2; f++)
        {
            using var writer = PcapWriter.Create(files[f], LinkType.Ethernet, nanoseconds: true);
            foreach (var p in f == 0 ? records.Take(records.Count / 2) : records.Skip(records.Count / 2))
            {
                writer.Write(p);
            }
        }

        return files;
    }
}
