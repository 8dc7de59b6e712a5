namespace ScanScope.Telescope;

/// <summary>One observer's activity in a window, as the telescope model needs it.</summary>
/// <param name="Address">The observer (a destination address).</param>
/// <param name="Periods">Informative uptime periods of the window in which it received at least one packet.</param>
public readonly record struct ObserverActivity(uint Address, int Periods);

/// <summary>
/// What <see cref="TelescopeModel"/> needs to know about the packets to the telescope, whichever
/// engine counted them: the in-process <see cref="TelescopeAccumulator"/>, or SQL over the packets
/// stored in ClickHouse. Both answer from exact counts, so both give the same model.
/// </summary>
public interface ITelescopeCounts
{
    /// <summary>Packets per minute (minutes since the Unix epoch).</summary>
    IReadOnlyDictionary<uint, long> MinutePackets { get; }

    /// <summary>The space inferred from the destinations that received anything (<see cref="TelescopeSpace.Infer"/>).</summary>
    TelescopeSpace InferSpace();

    /// <summary>Observers in <paramref name="space"/> that received anything.</summary>
    int ObserversIn(TelescopeSpace space);

    /// <summary>
    /// Every observer in <paramref name="space"/> that received anything: the periods of
    /// <paramref name="periodMinutes"/> minutes, counted from <paramref name="firstMinute"/>, in which it
    /// received something before <paramref name="endMinute"/>, counting only the periods marked in
    /// <paramref name="informative"/> (index = period number).
    /// </summary>
    IEnumerable<ObserverActivity> Activity(TelescopeSpace space, uint firstMinute, uint endMinute, int periodMinutes, IReadOnlyList<bool> informative);

    /// <summary>
    /// Per UTC day (days since the Unix epoch) and /16 (its network address), the observers in
    /// <paramref name="space"/> that received anything that day (thesis figure 4.1). A (day, /16) may
    /// come more than once, from parts that own different observers: its counts add up.
    /// </summary>
    IEnumerable<(uint Day, uint Subnet, int Observers)> DailyObservers(TelescopeSpace space);
}
