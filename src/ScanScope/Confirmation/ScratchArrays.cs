using System.Buffers;

namespace ScanScope.Confirmation;

/// <summary>
/// Scratch arrays for confirmation, reused across sizes: a large request takes the smallest free
/// array at least as long (best fit), a small one goes to the shared array pool.
/// </summary>
/// <remarks>
/// The shared pool keeps arrays per power-of-two size class, so the ports of different clusters
/// (10^5 to 10^7 hits) rarely met an array of their class and most large requests were fresh
/// memory: on the benchmark VM every new page costs a fault and a zeroing (0.7–1 s a GB; the
/// kernel's page clearing was 10–20% of the confirmation's perf samples on a 2·10^8-packet capture,
/// docs/benchmarks-confirmation.md). Clusters are confirmed largest first
/// (<see cref="ConfirmationStage.Confirm"/>), so the first arrays made are the longest and later,
/// smaller requests fit them. At most <see cref="Keep"/> free arrays per element type are kept
/// (the smallest is dropped); <see cref="Trim"/> drops them all, at the end of a stage. Arrays are
/// handed out uninitialised: every caller writes what it reads.
/// </remarks>
internal static class ScratchArrays<T>
    where T : unmanaged
{
    /// <summary>Requests up to this long go to <see cref="ArrayPool{T}.Shared"/> (which hands out no longer arrays for them).</summary>
    internal const int SmallMax = 1 << 15;

    /// <summary>Free large arrays kept at most.</summary>
    internal const int Keep = 8;

    private static readonly List<T[]> s_free = [];

    /// <summary>An array of at least <paramref name="length"/> elements, contents undefined.</summary>
    public static T[] Rent(int length)
    {
        if (length <= SmallMax)
        {
            return ArrayPool<T>.Shared.Rent(length);
        }

        lock (s_free)
        {
            var best = -1;
            for (var i = 0; i < s_free.Count; i++)
            {
                if (s_free[i].Length >= length && (best < 0 || s_free[i].Length < s_free[best].Length))
                {
                    best = i;
                }
            }

            if (best >= 0)
            {
                var array = s_free[best];
                s_free.RemoveAt(best);
                return array;
            }
        }

        return GC.AllocateUninitializedArray<T>(length);
    }

    /// <summary>Gives back an array from <see cref="Rent"/>.</summary>
    public static void Return(T[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (array.Length <= SmallMax)
        {
            ArrayPool<T>.Shared.Return(array);
            return;
        }

        lock (s_free)
        {
            s_free.Add(array);
            if (s_free.Count > Keep)
            {
                var smallest = 0;
                for (var i = 1; i < s_free.Count; i++)
                {
                    smallest = s_free[i].Length < s_free[smallest].Length ? i : smallest;
                }

                s_free.RemoveAt(smallest);
            }
        }
    }

    /// <summary>Drops every free large array (the garbage collector takes them).</summary>
    public static void Trim()
    {
        lock (s_free)
        {
            s_free.Clear();
        }
    }

    /// <summary>Free large arrays held (for tests).</summary>
    internal static int FreeCount
    {
        get
        {
            lock (s_free)
            {
                return s_free.Count;
            }
        }
    }
}
