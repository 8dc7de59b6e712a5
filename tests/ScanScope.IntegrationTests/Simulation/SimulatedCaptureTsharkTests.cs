using System.Diagnostics;
using System.Globalization;
using ScanScope.Packets;
using ScanScope.Simulation;

namespace ScanScope.IntegrationTests.Simulation;

/// <summary>tshark reads the simulator's capture field for field as the simulator meant it.</summary>
public sealed class SimulatedCaptureTsharkTests
{
    [Fact]
    public async Task OneDayOfTheSmallProfile_ReadsBackInTsharkWithEveryHeaderField()
    {
        const string tshark = "/usr/bin/tshark";
        if (!File.Exists(tshark))
        {
            Assert.Skip("tshark is not installed: run ./run-tests (installs it) or apt-get install tshark");
        }

        var scenario = ScenarioProfiles.Get("small", 4) with { Days = 1, Noise = new NoiseSpec { LoneZmap = 30, Masscan = 2, Mirai = 5, BackgroundPerHour = 40, BackscatterPerHour = 10, IpIdCollision = 3 } };
        var dir = Path.Combine(Path.GetTempPath(), "scanscope-tshark-" + Guid.NewGuid().ToString("N"));
        var packets = new List<PacketRecord>();
        try
        {
            ScenarioSimulator.Run(scenario, dir);
            ScenarioSimulator.Simulate(scenario, packets.Add);
            var info = new ProcessStartInfo(tshark) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[]
            {
                "-r", Path.Combine(dir, "capture.pcap"), "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE", "-T", "fields", "-E", "separator=,",
                "-e", "frame.time_epoch", "-e", "ip.src", "-e", "ip.dst", "-e", "ip.id", "-e", "ip.ttl", "-e", "tcp.srcport", "-e", "tcp.dstport",
                "-e", "tcp.seq_raw", "-e", "tcp.window_size_value", "-e", "tcp.flags", "-e", "tcp.options", "-e", "ip.checksum.status", "-e", "tcp.checksum.status",
            })
            {
                info.ArgumentList.Add(a);
            }

            using var process = Process.Start(info)!;
            var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            var lines = new List<string>();
            while (process.StandardOutput.ReadLine() is { } line)
            {
                lines.Add(line);
            }

            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            var errors = await stderr;
            Assert.True(process.ExitCode == 0, errors);
            Assert.Equal(packets.Count, lines.Count);
            for (var i = 0; i < lines.Count; i += 7)
            {
                var f = lines[i].Split(',');
                var p = packets[i];
                var c = CultureInfo.InvariantCulture;
                Assert.Equal(p.TimestampNs / 1000, (long)Math.Round(decimal.Parse(f[0], c) * 1_000_000m));
                Assert.Equal(Ipv4Prefix.Format(p.Src), f[1]);
                Assert.Equal(Ipv4Prefix.Format(p.Dst), f[2]);
                Assert.Equal(p.IpId, Convert.ToUInt16(f[3], 16));
                Assert.Equal(p.Ttl.ToString(c), f[4]);
                Assert.Equal(p.SrcPort.ToString(c), f[5]);
                Assert.Equal(p.DstPort.ToString(c), f[6]);
                Assert.Equal(p.Seq.ToString(c), f[7]);
                Assert.Equal(p.Window.ToString(c), f[8]);
                Assert.Equal((int)p.Flags, Convert.ToInt32(f[9], 16));
                var expectedOptions = p.Options.ToString() == "MSS,NOP,WS,NOP,NOP,SACKOK" ? "020405b40103030801010402" : p.Options.Count == 0 ? string.Empty : f[10];
                Assert.Equal(expectedOptions, f[10]);
                // Wireshark checksum status 1 = good.
                Assert.Equal(("1", "1"), (f[11], f[12]));
            }
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
