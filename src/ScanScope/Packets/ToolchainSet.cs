namespace ScanScope.Packets;

/// <summary>A set of <see cref="Toolchain"/> tags as a bit mask (one test per packet).</summary>
public readonly record struct ToolchainSet(uint Mask)
{
    /// <summary>Every tag.</summary>
    public static ToolchainSet All => new(uint.MaxValue);

    /// <summary>True when no tag is in the set.</summary>
    public bool IsEmpty => Mask == 0;

    /// <summary>A set of the given tags.</summary>
    public static ToolchainSet Of(params ReadOnlySpan<Toolchain> tools)
    {
        uint mask = 0;
        foreach (var t in tools)
        {
            mask |= 1u << (int)t;
        }

        return new ToolchainSet(mask);
    }

    /// <summary>True when <paramref name="tool"/> is in the set.</summary>
    public bool Contains(Toolchain tool) => (Mask & (1u << (int)tool)) != 0;

    /// <summary>The union of two sets.</summary>
    public ToolchainSet Union(ToolchainSet other) => new(Mask | other.Mask);

    /// <summary>The tags, lower-case, comma-separated.</summary>
    public override string ToString() => string.Join(",", Enum.GetValues<Toolchain>().Where(Contains).Select(Fingerprints.Name));
}
