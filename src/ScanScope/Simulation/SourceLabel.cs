namespace ScanScope.Simulation;

/// <summary>Ground truth for one source address: a row of labels.csv.</summary>
/// <param name="Src">Source address.</param>
/// <param name="GroupId">The group, or −1 for a source that belongs to no group.</param>
/// <param name="Category">Group category (table 6.12) or the kind of non-group source.</param>
/// <param name="Tool">zmap-2.1.1, zmap-4, masscan, mirai or other.</param>
public sealed record SourceLabel(uint Src, int GroupId, string Category, string Tool);

/// <summary>What a simulation produced besides the packets.</summary>
/// <param name="Scenario">The scenario with the simulator's expectations filled in.</param>
/// <param name="Labels">One label per source that appears in the capture, by address.</param>
/// <param name="Packets">Packets written.</param>
/// <param name="WindowStartNs">Window start.</param>
/// <param name="WindowEndNs">Window end.</param>
public sealed record SimulationResult(Scenario Scenario, IReadOnlyList<SourceLabel> Labels, long Packets, long WindowStartNs, long WindowEndNs);
