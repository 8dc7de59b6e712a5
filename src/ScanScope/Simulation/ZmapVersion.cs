namespace ScanScope.Simulation;

/// <summary>Which ZMap address-generation and header scheme to reproduce.</summary>
public enum ZmapVersion
{
    /// <summary>ZMap 2.1.1 (Debian): interleaved shards, offset as multiplier, IP ID 54321, /20 radix.</summary>
    V211 = 2,

    /// <summary>ZMap 4.1+ : contiguous arcs, generator below 2^22, multi-port, random IP ID, /18 radix.</summary>
    V4 = 4,
}
