using System.Runtime.InteropServices;

namespace ScanScope.Telescope;

/// <summary>A run of whole minutes in which the telescope received nothing at all.</summary>
/// <param name="StartNs">Start of the first silent minute (ns since the Unix epoch).</param>
/// <param name="Minutes">Length of the run in minutes.</param>
public readonly record struct Outage(long StartNs, int Minutes);

/// <summary>Observers whose uptime falls in [Lower, Upper) (Upper = 1 includes 1), as in thesis table 4.1.</summary>
public sealed record UptimeClass(string Label, double Lower, double Upper, int Observers, double MeanUptime);

/// <summary>Observers of one /16 that received something on one UTC day (thesis figure 4.1).</summary>
public readonly record struct DailyActivity(DateOnly Day, TelescopeBlock Subnet, int ActiveObservers);

/// <summary>
/// The telescope over the analysis window: observers, their uptime, the active observers |O|,
/// whole-telescope outages, the uptime classes and the active observers per day.
/// </summary>
/// <remarks>
/// Uptime of an observer = minutes in which it received at least one packet / (minutes of the window
/// − outage minutes). An outage minute is one in which no TCP packet reached any observer; those
/// minutes say the capture was down, not the observer, so they leave the denominator.
/// </remarks>
public sealed class TelescopeModel
{
    private static readonly (string Label, double Lower, double Upper)[] ClassEdges =
    [
        ("97-100%", 0.97, 1.0), ("90-97%", 0.90, 0.97), ("50-90%", 0.50, 0.90), ("10-50%", 0.10, 0.50), ("0-10%", double.Epsilon, 0.10), ("never", 0, double.Epsilon),
    ];

    private readonly Dictionary<uint, int> _activeMinutes;

    private TelescopeModel(TelescopeSpace space, long windowStartNs, long windowEndNs, double threshold, Dictionary<uint, int> activeMinutes)
    {
        Space = space;
        WindowStartNs = windowStartNs;
        WindowEndNs = windowEndNs;
        UptimeThreshold = threshold;
        _activeMinutes = activeMinutes;
    }

    /// <summary>The observed space (given or inferred).</summary>
    public TelescopeSpace Space { get; }

    /// <summary>Window start (ns since the Unix epoch).</summary>
    public long WindowStartNs { get; }

    /// <summary>Window end, exclusive (ns since the Unix epoch).</summary>
    public long WindowEndNs { get; }

    /// <summary>Uptime at or above which an observer counts as active.</summary>
    public double UptimeThreshold { get; }

    /// <summary>Length in minutes of the periods uptime is counted in (1 in the thesis).</summary>
    public int UptimePeriodMinutes { get; private set; } = 1;

    /// <summary>Informative uptime periods in the window (the uptime denominator; see <see cref="InformativePeriods"/>).</summary>
    public int EffectivePeriods { get; private set; }

    /// <summary>Minutes the window spans.</summary>
    public int WindowMinutes { get; private set; }

    /// <summary>Minutes with no packet at all.</summary>
    public int OutageMinutes { get; private set; }

    /// <summary>Runs of outage minutes, in time order.</summary>
    public IReadOnlyList<Outage> Outages { get; private set; } = [];

    /// <summary>Addresses in the observed space.</summary>
    public long Observers => Space.Size;

    /// <summary>Observers that received at least one packet.</summary>
    public int ObserversSeen => _activeMinutes.Count;

    /// <summary>|O|: observers whose uptime is at least <see cref="UptimeThreshold"/>.</summary>
    public int ActiveObservers { get; private set; }

    /// <summary>Observers per uptime class (thesis table 4.1).</summary>
    public IReadOnlyList<UptimeClass> UptimeClasses { get; private set; } = [];

    /// <summary>Active observers per /16 per UTC day (thesis figure 4.1).</summary>
    public IReadOnlyList<DailyActivity> Daily { get; private set; } = [];

    /// <summary>Distinct observers per /16 that received anything in the window (the dotted line of figure 4.1).</summary>
    public IReadOnlyDictionary<TelescopeBlock, int> ObserversPerSubnet { get; private set; } = new Dictionary<TelescopeBlock, int>();

    /// <summary>Uptime of <paramref name="observer"/> (0 for an observer that never received anything).</summary>
    public double UptimeOf(uint observer)
    {
        return EffectivePeriods <= 0 ? 0 : Math.Min(1.0, _activeMinutes.GetValueOrDefault(observer) / (double)EffectivePeriods);
    }

    /// <summary>Builds the model from the packets to the telescope, counted in process or by a database.</summary>
    /// <param name="counts">Every TCP packet to the telescope in the window (a <see cref="TelescopeAccumulator"/>, or another engine's counts).</param>
    /// <param name="space">The observed space, or null to infer it (<see cref="TelescopeSpace.Infer"/>).</param>
    /// <param name="windowStartNs">Window start.</param>
    /// <param name="windowEndNs">Window end, exclusive.</param>
    /// <param name="threshold">Uptime at or above which an observer is active.</param>
    /// <param name="periodMinutes">Minutes per uptime period; null chooses it (<see cref="ChoosePeriod"/>).</param>
    public static TelescopeModel Build(ITelescopeCounts counts, TelescopeSpace? space, long windowStartNs, long windowEndNs, double threshold, int? periodMinutes = 1)
    {
        ArgumentNullException.ThrowIfNull(counts);
        space ??= counts.InferSpace();
        var firstMinute = TelescopeAccumulator.MinuteOf(windowStartNs);
        var endMinute = windowEndNs > windowStartNs ? (uint)((windowEndNs + 59_999_999_999L) / 60_000_000_000L) : firstMinute;
        var active = new Dictionary<uint, int>();
        var model = new TelescopeModel(space, windowStartNs, windowEndNs, threshold, active);
        model.WindowMinutes = (int)(endMinute - firstMinute);

        var outages = new List<Outage>();
        var minutePackets = counts.MinutePackets;
        for (var m = firstMinute; m < endMinute; m++)
        {
            if (minutePackets.ContainsKey(m))
            {
                continue;
            }

            model.OutageMinutes++;
            if (outages.Count > 0 && outages[^1].StartNs + (outages[^1].Minutes * 60_000_000_000L) == m * 60_000_000_000L)
            {
                outages[^1] = outages[^1] with { Minutes = outages[^1].Minutes + 1 };
            }
            else
            {
                outages.Add(new Outage(m * 60_000_000_000L, 1));
            }
        }

        model.Outages = outages;

        // Uptime is counted in periods of k minutes: k = 1 is the thesis; null picks k from the traffic
        // (see ChoosePeriod). A period in which the whole telescope received nothing is an outage period.
        var k = periodMinutes ?? ChoosePeriod(counts, space, model.WindowMinutes);
        if (k < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(periodMinutes), k, "the uptime period must be at least one minute");
        }

        model.UptimePeriodMinutes = k;
        var informative = InformativePeriods(minutePackets, counts.ObserversIn(space), firstMinute, endMinute, k);
        var effective = informative.Count(i => i);
        model.EffectivePeriods = effective;
        var perSubnet = new Dictionary<TelescopeBlock, int>();
        var classCounts = new int[ClassEdges.Length];
        var classMinutes = new long[ClassEdges.Length]; // integer sums keep the means independent of iteration order
        foreach (var (address, periods) in counts.Activity(space, firstMinute, endMinute, k, informative))
        {
            var key = new TelescopeBlock(address & 0xFFFF0000u, 16);
            perSubnet[key] = perSubnet.GetValueOrDefault(key) + 1;
            active[address] = periods;
            var uptime = effective <= 0 ? 0 : Math.Min(1.0, periods / (double)effective);
            if (uptime >= threshold)
            {
                model.ActiveObservers++;
            }

            var c = ClassOf(uptime);
            classCounts[c]++;
            classMinutes[c] += periods;
        }

        var never = space.Size - active.Count;
        classCounts[^1] += (int)Math.Min(never, int.MaxValue);
        if (threshold <= 0)
        {
            model.ActiveObservers += (int)Math.Min(never, int.MaxValue);
        }

        model.UptimeClasses = [.. ClassEdges.Select((e, i) => new UptimeClass(e.Label, e.Lower, e.Upper, classCounts[i], classCounts[i] == 0 || effective <= 0 ? 0 : classMinutes[i] / ((double)classCounts[i] * effective)))];
        var daily = new Dictionary<(uint Day, uint Subnet), int>();
        foreach (var (day, subnet, observers) in counts.DailyObservers(space))
        {
            CollectionsMarshal.GetValueRefOrAddDefault(daily, (day, subnet), out _) += observers;
        }

        var epochDay = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;
        model.Daily = [.. daily
            .Where(d => d.Value > 0)
            .OrderBy(d => d.Key.Day).ThenBy(d => d.Key.Subnet)
            .Select(d => new DailyActivity(DateOnly.FromDayNumber(epochDay + (int)d.Key.Day), new TelescopeBlock(d.Key.Subnet, 16), d.Value))];
        model.ObserversPerSubnet = perSubnet;
        return model;
    }

    private static int ClassOf(double uptime)
    {
        for (var i = 0; i < ClassEdges.Length; i++)
        {
            if (uptime >= ClassEdges[i].Lower)
            {
                return i;
            }
        }

        return ClassEdges.Length - 1;
    }

    /// <summary>Packets an up observer must expect in a period for its silence to say it was down: P(silent | up) = e^-3 ≈ 5%.</summary>
    public const double InformativePackets = 3.0;

    /// <summary>
    /// Which periods can tell an up observer from a dark one: those in which the telescope received at
    /// least <see cref="InformativePackets"/> packets per observer seen, so an up observer (Poisson
    /// arrivals) is silent with probability at most e^-3. Scans arrive in bursts: between them a period
    /// can hold a handful of packets for the whole telescope, and counting it would call every observer
    /// that missed it down. When no period is informative, every period with traffic counts (the thesis'
    /// rule). Outage periods (nothing at all) are never informative.
    /// </summary>
    internal static bool[] InformativePeriods(IReadOnlyDictionary<uint, long> minutePackets, int observersSeen, uint firstMinute, uint endMinute, int k)
    {
        var count = endMinute > firstMinute ? (int)(((endMinute - firstMinute) + (uint)k - 1) / (uint)k) : 0;
        var packets = new long[count];
        foreach (var (m, n) in minutePackets)
        {
            if (m >= firstMinute && m < endMinute)
            {
                packets[(m - firstMinute) / (uint)k] += n;
            }
        }

        var informative = packets.Select(n => observersSeen > 0 && n >= InformativePackets * observersSeen).ToArray();
        return informative.Any(i => i) ? informative : [.. packets.Select(n => n > 0)];
    }

    /// <summary>
    /// The shortest uptime period in which an observer that is up expects at least three packets at
    /// the telescope's average rate per observer: P(no packet | up) = e^-3 ≈ 5% for Poisson arrivals.
    /// The thesis' telescope (10^10 packets a month on ~65k observers, ~3.6 per observer-minute)
    /// gets one minute; a telescope a thousand times sparser gets periods of hours, where one-minute
    /// uptime would call every observer dark.
    /// </summary>
    public static int ChoosePeriod(ITelescopeCounts counts, TelescopeSpace space, int windowMinutes)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(space);
        long packets = 0;
        foreach (var n in counts.MinutePackets.Values)
        {
            packets += n;
        }

        var observers = counts.ObserversIn(space);
        if (packets == 0 || observers == 0 || windowMinutes <= 0)
        {
            return 1;
        }

        var perObserverMinute = packets / ((double)observers * windowMinutes);
        return (int)Math.Clamp(Math.Ceiling(3.0 / perObserverMinute), 1, windowMinutes);
    }
}
