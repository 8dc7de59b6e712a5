using System.CommandLine;

namespace ScanScope.Cli;

/// <summary>The list of verbs. Each verb is one class under Commands/ with a static Create().</summary>
internal static class Commands
{
    public static IEnumerable<Command> All() =>
    [
        DemoCommand.Create(),
        CaptureStatsCommand.Create(),
        ZmapCommand.Create(),
        SimulateCommand.Create(),
        AnalyzeCommand.Create(),
        GeoCommand.Create(),
        RecoverCommand.Create(),
        IngestCommand.Create(),
        ClusterCommand.Create(),
        EvaluateCommand.Create(),
    ];
}
