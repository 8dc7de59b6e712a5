namespace ScanScope.Simulation;

/// <summary>One probe target of a ZMap thread.</summary>
/// <param name="Address">Destination address.</param>
/// <param name="Port">Destination port.</param>
/// <param name="Shard">The shard (process) that sends it.</param>
/// <param name="Thread">The sender thread inside the shard.</param>
/// <param name="Step">Group elements the thread stepped over from its first element to this one (skipped ones included).</param>
public readonly record struct ZmapTarget(uint Address, ushort Port, int Shard, int Thread, ulong Step);
