using System.Diagnostics;
using System.Globalization;

namespace ScanScope;

/// <summary>
/// Hidden working folders named <c>PREFIX + process id + "-" + tag</c>: one per run, inside a folder
/// the user chose, removed by the run at its end — and by a later run when the process that made it
/// is gone (killed). Nothing else in the parent folder is touched.
/// </summary>
public static class TempFolders
{
    /// <summary>Creates a fresh folder <c>parent/PREFIX{pid}-{random}</c> (and <paramref name="parent"/> when missing) after removing orphans.</summary>
    public static string Create(string parent, string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(parent);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        Directory.CreateDirectory(parent);
        RemoveOrphans(parent, prefix);
        var path = Path.Combine(parent, prefix + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Removes the folders <c>PREFIX{pid}-*</c> in <paramref name="parent"/> whose process no longer runs.</summary>
    public static void RemoveOrphans(string parent, string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(parent);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        foreach (var dir in Directory.EnumerateDirectories(parent, prefix + "*"))
        {
            var rest = Path.GetFileName(dir)[prefix.Length..];
            var dash = rest.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0 && int.TryParse(rest.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && IsRunning(pid))
            {
                continue;
            }

            Directory.Delete(dir, recursive: true);
        }
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
