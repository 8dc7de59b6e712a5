using System.CommandLine;

namespace ScanScope.Cli;

/// <summary>The list of verbs. Each verb is one class under Commands/ with a static Create().</summary>
internal static class Commands
{
    public static IEnumerable<Command> All() =>
    [
        ClusterCommand.Create(),
        EvaluateCommand.Create(),
    ];
}
