using ScanScope.Confirmation;
using static ScanScope.Tests.Confirmation.SyntheticScans;

namespace ScanScope.Tests.Confirmation;

/// <summary>Synthetic groups of every category of thesis table 6.12, with randomised sizes, ports and schedules.</summary>
internal static class CategoryGroups
{
    private static readonly ushort[] CommonPorts = [22, 80, 443, 3000, 3790, 5000, 6009, 7443, 8080, 8443, 9200, 22533];

    public static uint[] Generate(SyntheticScans s, ScanCategory category)
    {
        var rng = s.Rng;
        var hosts = s.Hosts(rng.Next(10, 60), sameSubnet: rng.Next(2) == 0);
        var ports = CommonPorts.OrderBy(_ => rng.Next()).ToArray();
        var start = rng.NextDouble() * 3 * Day;
        switch (category)
        {
            case ScanCategory.SinglePort:
                s.Scan(hosts, ports[0], start, (1 + (rng.NextDouble() * 20)) * Hour);
                break;
            case ScanCategory.SlowSweeping:
                {
                    var t = start;
                    foreach (var port in ports.Take(rng.Next(2, 6)))
                    {
                        var duration = (2 + (rng.NextDouble() * 10)) * Hour;
                        s.Scan(hosts, port, t, duration);
                        t += duration + (rng.NextDouble() * Hour);
                    }

                    break;
                }

            case ScanCategory.PeriodicSinglePort:
                {
                    var period = (1 + rng.Next(7)) * Day;
                    var duration = (0.5 + (rng.NextDouble() * 8)) * Hour;
                    for (var t = start; t + duration < 30 * Day; t += period)
                    {
                        s.Scan(hosts, ports[0], t, duration);
                    }

                    break;
                }

            case ScanCategory.PeriodicSweeping:
                {
                    var few = ports.Take(rng.Next(2, 4)).ToArray();
                    var t = start;
                    var repetitions = rng.Next(2, 4);
                    for (var r = 0; r < repetitions; r++)
                    {
                        foreach (var port in few)
                        {
                            var duration = (3 + (rng.NextDouble() * 5)) * Hour;
                            s.Scan(hosts, port, t, duration);
                            t += duration + ((0.5 + (rng.NextDouble() * 3)) * Day);
                        }
                    }

                    break;
                }

            case ScanCategory.PeriodicUpdating:
                {
                    var coverage = 0.15 + (rng.NextDouble() * 0.25);
                    var duration = (0.5 + (rng.NextDouble() * 0.5)) * Hour;
                    var days = rng.Next(5, 20);
                    for (var d = 0; d < days; d++)
                    {
                        s.Scan(hosts, ports[0], start + (d * Day), duration, coverage);
                    }

                    break;
                }

            case ScanCategory.Greedy:
                {
                    var count = rng.Next(4, 10);
                    var duration = (1 + rng.NextDouble()) * Hour;
                    for (var i = 0; i < count; i++)
                    {
                        s.Scan(hosts, ports[i % ports.Length], start + (i * duration / 3), duration);
                    }

                    break;
                }

            default:
                // Lone scanners that happened to cluster: each scans its own port at its own time.
                foreach (var h in hosts)
                {
                    s.Lone(h, ports[rng.Next(ports.Length)], rng.NextDouble() * 28 * Day, (1 + (rng.NextDouble() * 48)) * Hour, rng.Next(50, 3000));
                }

                break;
        }

        return hosts;
    }
}
