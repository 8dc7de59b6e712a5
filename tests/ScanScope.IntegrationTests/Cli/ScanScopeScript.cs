using System.Diagnostics;

namespace ScanScope.IntegrationTests.Cli;

/// <summary>Runs the repository's <c>./scanscope</c>, as a user does: it builds the CLI first when the sources changed (one build at a time).</summary>
internal static class ScanScopeScript
{
    /// <summary>The verb's standard output; fails the test on a non-zero exit, with its standard error.</summary>
    public static string Run(params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(RepositoryRoot(), "scanscope")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(10)), $"./scanscope {string.Join(' ', args)}: no exit in 10 minutes");
        Assert.True(process.ExitCode == 0, $"./scanscope {string.Join(' ', args)} exited {process.ExitCode}: {error.Result}");
        return output.Result;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ScanScope.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("repository root");
    }
}
