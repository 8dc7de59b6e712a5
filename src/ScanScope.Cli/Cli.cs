using System.CommandLine;
using ScanScope.Capture;

namespace ScanScope.Cli;

/// <summary>Builds the command tree and runs it; each verb lives in its own file under Commands/.</summary>
internal static class Cli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("ScanScope: finds slow, distributed port scanners in network-telescope captures.");
        foreach (var command in Commands.All())
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    public static int Run(string[] args)
    {
        try
        {
            return Build().Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (CaptureFormatException e)
        {
            Console.Error.WriteLine($"scanscope: error: {e.Message}");
            return 2;
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"scanscope: error: {e.Message}");
            return 2;
        }
    }
}

/// <summary>A problem with what the user asked for (bad option value, missing file): one line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
