using System.CommandLine;
using System.Globalization;
using ScanScope.Capture;
using ScanScope.Packets;

namespace ScanScope.Cli;

/// <summary>
/// The packet-filter options, defined once for every verb that reads captures
/// (<c>capture stats</c>, <c>analyze</c>): <c>--from</c>, <c>--to</c>, <c>--telescope</c>,
/// <c>--syn-only</c>, <c>--tool</c>, <c>--ports</c>. Add them with <see cref="AddTo"/>, read the
/// filter with <see cref="Build"/>.
/// </summary>
internal sealed class FilterOptions
{
    public Option<string?> From { get; } = new("--from") { Description = "Keep packets at or after this time (ISO 8601, UTC unless an offset is given, or unix seconds)" };

    public Option<string?> To { get; } = new("--to") { Description = "Keep packets before this time (ISO 8601 or unix seconds)" };

    public Option<string?> Telescope { get; } = new("--telescope") { Description = "Keep packets to these prefixes: CIDR,CIDR,... (e.g. 44.10.0.0/16)" };

    public Option<bool> SynOnly { get; } = new("--syn-only") { Description = "Keep only connection attempts (SYN without ACK)" };

    public Option<string?> Tool { get; } = new("--tool") { Description = "Keep packets with these toolchain tags: zmap,masscan,mirai,nmap,unknown (zmap-classic, zmap-random-id for one ZMap kind)" };

    public Option<string?> Ports { get; } = new("--ports") { Description = "Keep packets to these destination ports: 80,443,8000-8100" };

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in new Option[] { From, To, Telescope, SynOnly, Tool, Ports })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The filter the options describe, or null when none is given.</summary>
    /// <exception cref="UsageException">A value cannot be parsed.</exception>
    public PacketFilter? Build(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var filter = new PacketFilter
        {
            FromNs = result.GetValue(From) is { } from ? ParseTime(from, "--from") : null,
            ToNs = result.GetValue(To) is { } to ? ParseTime(to, "--to") : null,
            Telescope = result.GetValue(Telescope) is { } t ? Parse(() => CidrSet.Parse(t), "--telescope") : null,
            SynOnly = result.GetValue(SynOnly),
            Tools = result.GetValue(Tool) is { } tools ? ParseTools(tools) : null,
            Ports = result.GetValue(Ports) is { } ports ? Parse(() => PortSet.Parse(ports), "--ports") : null,
        };
        if (filter.FromNs >= filter.ToNs)
        {
            throw new UsageException("--from must be before --to");
        }

        return filter.KeepsAll ? null : filter;
    }

    /// <summary>Unix seconds (fractions allowed) or an ISO 8601 date/time, to ns since the epoch.</summary>
    public static long ParseTime(string text, string option)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds)
            && Math.Abs(seconds) < 9_000_000_000m)
        {
            return (long)(seconds * 1_000_000_000m);
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return (time - DateTimeOffset.UnixEpoch).Ticks * 100;
        }

        throw new UsageException($"{option}: '{text}' is not a time (ISO 8601 such as 2024-03-01T12:00:00Z, or unix seconds)");
    }

    /// <summary>Expands the INPUT arguments (files, folders, globs, "-") into capture files in time order.</summary>
    public static IReadOnlyList<string> ExpandInputs(IEnumerable<string> inputs)
    {
        try
        {
            return CaptureInputs.Expand(inputs);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new UsageException(e.Message);
        }
    }

    private static ToolchainSet ParseTools(string list)
    {
        var set = default(ToolchainSet);
        foreach (var name in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            set = Fingerprints.TryParse(name, out var tools)
                ? set.Union(tools)
                : throw new UsageException($"--tool: unknown toolchain '{name}' (zmap, zmap-classic, zmap-random-id, masscan, mirai, nmap, unknown)");
        }

        return set.IsEmpty ? throw new UsageException("--tool: no toolchain given") : set;
    }

    private static T Parse<T>(Func<T> parse, string option)
    {
        try
        {
            return parse();
        }
        catch (FormatException e)
        {
            throw new UsageException($"{option}: {e.Message}");
        }
    }
}
