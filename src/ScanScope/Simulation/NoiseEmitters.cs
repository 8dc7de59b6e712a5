using ScanScope.Packets;

namespace ScanScope.Simulation;

/// <summary>A Masscan run: random-order (BlackRock-like) hits on the telescope over the run, one source port.</summary>
internal sealed class MasscanEmitter(uint src, ushort[] ports, double coverage, long startNs, long endNs, byte hops, ulong seed) : Emitter(startNs, seed)
{
    protected override void Fill(SimulationContext context, List<PacketRecord> into, Random random)
    {
        var sport = (ushort)(40000 + random.Next(20000));
        var telescope = context.Telescope;
        foreach (var dst in telescope.ActiveAddresses)
        {
            foreach (var port in ports)
            {
                if (random.NextDouble() >= coverage)
                {
                    continue;
                }

                var ns = StartNs + (long)(random.NextDouble() * (endNs - StartNs));
                if (telescope.Records(dst, ns))
                {
                    into.Add(ProbeHeaders.Masscan(src, dst, sport, port, (uint)random.NextInt64(1L << 32), hops, ns));
                }
            }
        }
    }
}

/// <summary>A Mirai-like bot: SYNs to random addresses, seq = destination, port 23 (2323 every tenth).</summary>
internal sealed class MiraiEmitter(uint src, int hits, long startNs, long endNs, byte hops, ulong seed) : Emitter(startNs, seed)
{
    protected override void Fill(SimulationContext context, List<PacketRecord> into, Random random)
    {
        var window = (ushort)random.Next(1, 65536);
        var sport = (ushort)random.Next(1024, 65536);
        var telescope = context.Telescope;
        var active = telescope.ActiveAddresses;
        for (var i = 0; i < hits; i++)
        {
            var dst = active[random.Next(active.Count)];
            var ns = StartNs + (long)(random.NextDouble() * (endNs - StartNs));
            if (telescope.Records(dst, ns))
            {
                into.Add(ProbeHeaders.Mirai(src, dst, sport, random.Next(10) == 0 ? (ushort)2323 : (ushort)23, window, (ushort)random.Next(65536), hops, ns));
            }
        }
    }
}

/// <summary>
/// One hour of background radiation: SYNs from a pool of ordinary hosts (random IP IDs, OS-like
/// TTLs, windows and options) to random telescope addresses and common ports; and backscatter,
/// SYN-ACK and RST replies from attacked servers to spoofed telescope addresses.
/// </summary>
internal sealed class BackgroundHourEmitter(uint[] pool, uint[] victims, int syns, int backscatter, long startNs, ulong seed) : Emitter(startNs, seed)
{
    private static readonly ushort[] CommonPorts = [22, 80, 443, 3389, 8080, 5555, 8443, 81, 8081, 3128, 2375, 1433, 3306, 5900, 6379, 9200, 27017, 21, 25, 110];

    protected override void Fill(SimulationContext context, List<PacketRecord> into, Random random)
    {
        var telescope = context.Telescope;
        var active = telescope.ActiveAddresses;
        for (var i = 0; i < syns; i++)
        {
            var src = pool[random.Next(pool.Length)];
            var dst = active[random.Next(active.Count)];
            var ns = StartNs + random.NextInt64(3_600_000_000_000L);
            if (!telescope.Records(dst, ns))
            {
                continue;
            }

            var windows = (src & 1) == 0;
            into.Add(new PacketRecord
            {
                TimestampNs = ns, Src = src, Dst = dst, SrcPort = (ushort)random.Next(1024, 65536),
                DstPort = random.Next(3) == 0 ? (ushort)random.Next(1, 65536) : CommonPorts[random.Next(CommonPorts.Length)],
                Seq = (uint)random.NextInt64(1L << 32), IpId = (ushort)random.Next(65536),
                Ttl = (byte)((windows ? 128 : 64) - (int)(src % 20) - 3), Window = windows ? (ushort)64240 : (ushort)29200,
                Flags = TcpFlags.Syn, Options = windows ? ProbeHeaders.WindowsOptions : ProbeHeaders.LinuxOptions,
                Mss = 1460, WindowScale = windows ? (byte)8 : (byte)7,
            });
        }

        for (var i = 0; i < backscatter; i++)
        {
            var src = victims[random.Next(victims.Length)];
            var dst = active[random.Next(active.Count)];
            var ns = StartNs + random.NextInt64(3_600_000_000_000L);
            if (!telescope.Records(dst, ns))
            {
                continue;
            }

            var rst = random.Next(3) == 0;
            into.Add(new PacketRecord
            {
                TimestampNs = ns, Src = src, Dst = dst, SrcPort = (src & 2) == 0 ? (ushort)80 : (ushort)443, DstPort = (ushort)random.Next(1024, 65536),
                Seq = rst ? 0 : (uint)random.NextInt64(1L << 32), Ack = (uint)random.NextInt64(1L << 32), IpId = (ushort)random.Next(65536),
                Ttl = (byte)(64 - (int)(src % 17) - 2), Window = rst ? (ushort)0 : (ushort)65160,
                Flags = rst ? TcpFlags.Rst | TcpFlags.Ack : TcpFlags.Syn | TcpFlags.Ack,
            });
        }
    }
}

/// <summary>
/// A non-ZMap source whose IP ID is 54321: either a tool with that value fixed (Linux-like headers
/// otherwise) or random IP IDs of which a few happen to be 54321.
/// </summary>
internal sealed class IpIdCollisionEmitter(uint src, bool fixedId, int packets, long startNs, long endNs, ulong seed) : Emitter(startNs, seed)
{
    protected override void Fill(SimulationContext context, List<PacketRecord> into, Random random)
    {
        var telescope = context.Telescope;
        var active = telescope.ActiveAddresses;
        var port = (ushort)random.Next(1, 10000);
        for (var i = 0; i < packets; i++)
        {
            var dst = active[random.Next(active.Count)];
            var ns = StartNs + (long)(random.NextDouble() * (endNs - StartNs));
            if (!telescope.Records(dst, ns))
            {
                continue;
            }

            var id = fixedId || i % 4 == 0 ? (ushort)54321 : (ushort)random.Next(65536);
            into.Add(new PacketRecord
            {
                TimestampNs = ns, Src = src, Dst = dst, SrcPort = (ushort)random.Next(1024, 65536), DstPort = port,
                Seq = (uint)random.NextInt64(1L << 32), IpId = id, Ttl = (byte)(64 - 9), Window = 29200,
                Flags = TcpFlags.Syn, Options = ProbeHeaders.LinuxOptions, Mss = 1460, WindowScale = 7,
            });
        }
    }
}
