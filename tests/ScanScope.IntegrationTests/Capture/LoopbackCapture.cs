using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ScanScope.IntegrationTests.Capture;

/// <summary>
/// Captures with real tcpdump on the loopback interface while this process makes TCP
/// connections to a local listener, once for the whole test class. Only loopback is used.
/// </summary>
public sealed class LoopbackCapture : IDisposable
{
    public LoopbackCapture()
    {
        Directory.CreateDirectory(Root);
        if (Tool("tcpdump") is null || Tool("tshark") is null)
        {
            Problem = "tcpdump and tshark are not installed; run ./run-tests (it installs them) or apt-get install tcpdump tshark";
            return;
        }

        try
        {
            // A kernel drop is the machine's load, not ScanScope: record again (the tests then
            // check every packet the test sent); the count stays visible to the tests.
            for (var attempt = 0; attempt < 3 && (attempt == 0 || Dropped > 0); attempt++)
            {
                Dropped = Record();
            }
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or SocketException or System.ComponentModel.Win32Exception)
        {
            Problem = $"cannot capture on loopback ({e.Message}); run as root with tcpdump installed (./run-tests)";
        }
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "scanscope-it", Guid.NewGuid().ToString("N"));

    /// <summary>Microsecond Ethernet pcap of the loopback traffic.</summary>
    public string Micro => Path.Combine(Root, "lo-micro.pcap");

    /// <summary>Nanosecond pcap of the same traffic (a second tcpdump).</summary>
    public string Nano => Path.Combine(Root, "lo-nano.pcap");

    /// <summary>The port the test's listener used.</summary>
    public int Port { get; private set; }

    /// <summary>Connections the test made.</summary>
    public int Connections { get; } = 12;

    /// <summary>Packets the kernel dropped before either tcpdump read them, as tcpdump reported on exit.</summary>
    public long Dropped { get; private set; }

    /// <summary>Why the captures are missing, or null.</summary>
    public string? Problem { get; }

    public static string? Tool(string name)
        => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    /// <summary>Runs a tool and returns its standard output; throws when it fails.</summary>
    public static string Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var p = Process.Start(start)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? stdout : throw new InvalidOperationException($"{file} {string.Join(' ', args)}: exit {p.ExitCode}: {stderr.Result}");
    }

    private long Record()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;

        // A second listener only for warming up: "listening on" is printed a moment before the
        // packet socket sees traffic (seconds on a loaded machine), so connect to it until both
        // files hold a packet, and only then make the connections the tests count.
        using var warmUp = new TcpListener(IPAddress.Loopback, 0);
        warmUp.Start();
        var warmPort = ((IPEndPoint)warmUp.LocalEndpoint).Port;
        // A third listener marks the end: packets reach the packet socket in the order the kernel
        // sends them, so once a SYN to it is in both files every earlier packet is written too.
        // (Waiting for the files to stop growing was not enough: a tcpdump descheduled on a loaded
        // machine lets the size stand still for a while and the capture was cut after 2 of 12.)
        using var endMark = new TcpListener(IPAddress.Loopback, 0);
        endMark.Start();
        var endPort = ((IPEndPoint)endMark.LocalEndpoint).Port;
        var filter = $"tcp port {Port} or tcp port {warmPort} or tcp port {endPort}";
        using var micro = StartTcpdump(Micro, [filter]);
        using var nano = StartTcpdump(Nano, ["--time-stamp-precision=nano", filter]);
        WaitUntil(() => Touch(warmUp, warmPort) && HasPacket(Micro) && HasPacket(Nano), "tcpdump saw no loopback traffic");
        var server = Task.Run(() =>
        {
            for (var i = 0; i < Connections; i++)
            {
                using var c = listener.AcceptTcpClient();
                var s = c.GetStream();
                var buffer = new byte[4096];
                var n = s.Read(buffer);
                s.Write(buffer.AsSpan(0, n));
            }
        });
        for (var i = 0; i < Connections; i++)
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            var s = client.GetStream();
            s.Write(new byte[(i * 97) + 1]);
            s.ReadExactly(new byte[(i * 97) + 1]);
        }

        if (!server.Wait(TimeSpan.FromSeconds(20)))
        {
            throw new InvalidOperationException("the loopback listener did not serve every connection");
        }

        WaitUntil(() => Touch(endMark, endPort) && HasSynTo(Micro, endPort) && HasSynTo(Nano, endPort), "tcpdump did not write the end mark");
        return Stop(micro) + Stop(nano);
    }

    /// <summary>Connects to a listener of this class once and closes the connection again.</summary>
    private static bool Touch(TcpListener listener, int port)
    {
        using (var probe = new TcpClient())
        {
            probe.Connect(IPAddress.Loopback, port);
            using var accepted = listener.AcceptTcpClient();
        }

        Thread.Sleep(100);
        return true;
    }

    /// <summary>Whether the (growing) capture already holds a SYN to the port; a record tcpdump is still writing reads as not yet.</summary>
    private static bool HasSynTo(string path, int port)
    {
        try
        {
            using var reader = ScanScope.Capture.CaptureReader.Open(path);
            while (reader.TryRead(out var p))
            {
                if (p.IsSyn && p.DstPort == port)
                {
                    return true;
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ScanScope.Capture.CaptureFormatException)
        {
        }

        return false;
    }

    /// <summary>A pcap file with more than its 24-byte header holds at least one packet.</summary>
    private static bool HasPacket(string path) => File.Exists(path) && new FileInfo(path).Length > 24;

    private static void WaitUntil(Func<bool> done, string failure)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!done())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException(failure);
            }
        }
    }

    private static Process StartTcpdump(string path, string[] extra)
    {
        var start = new ProcessStartInfo("tcpdump") { RedirectStandardError = true, RedirectStandardOutput = true };
        // A small snap length and a 32 MB buffer: the packet ring holds buffer / frame size frames,
        // and with the default 2 MB and a 256 KB snap length that was 8 frames, so a tcpdump
        // descheduled on a loaded machine lost packets (CI once missed one connection's payload).
        // The test's segments are under 1.5 KB.
        foreach (var a in (string[])["-i", "lo", "--immediate-mode", "-U", "-n", "-s", "4096", "-B", "32768", "-w", path, .. extra])
        {
            start.ArgumentList.Add(a);
        }

        var p = Process.Start(start)!;
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            var line = p.StandardError.ReadLine() ?? throw new InvalidOperationException("tcpdump exited before it listened");
            if (line.Contains("listening on", StringComparison.Ordinal))
            {
                return p;
            }
        }

        p.Kill();
        throw new InvalidOperationException("tcpdump did not start listening");
    }

    /// <summary>Stops tcpdump and returns the packets it says the kernel dropped.</summary>
    private static long Stop(Process tcpdump)
    {
        // --immediate-mode above: without it the kernel ring hands packets over only when a block
        // fills or times out, and a tcpdump stopped early has written none.
        // SIGINT to the tcpdump this class started (by its id), so it closes the file cleanly.
        Run("kill", "-INT", tcpdump.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!tcpdump.WaitForExit(10_000))
        {
            tcpdump.Kill();
            return 0;
        }

        // "N packets dropped by kernel" on its standard error, after the statistics line.
        var report = System.Text.RegularExpressions.Regex.Match(tcpdump.StandardError.ReadToEnd(), @"(\d+) packets? dropped by kernel");
        return report.Success ? long.Parse(report.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
