using System.Runtime.InteropServices;

namespace ScanScope;

/// <summary>
/// A large scratch array outside the garbage-collected heap, in 2 MB-aligned memory that Linux is
/// asked to back with transparent huge pages (<c>madvise(MADV_HUGEPAGE)</c>; a no-op where THP is
/// off). Uninitialised. Free it with <see cref="Dispose"/>; not thread safe.
/// </summary>
/// <remarks>
/// The fold's hold-back buffers (6 MB each, two per worker) are touched once, start to end, by a
/// fresh process: with 4 KB pages that is ~1,500 page faults per buffer, and a fault costs ~2–8 µs on
/// the project's VM (docs/benchmarks-features.md). A huge page is one fault per 2 MB.
/// </remarks>
internal sealed unsafe class HugePageBuffer<T> : IDisposable
    where T : unmanaged
{
    private const nuint HugePage = 2 << 20;
    private void* _memory;

    public HugePageBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        Length = length;
        var bytes = ((nuint)length * (nuint)sizeof(T) + HugePage - 1) & ~(HugePage - 1);
        _memory = NativeMemory.AlignedAlloc(bytes, HugePage);
        if (OperatingSystem.IsLinux())
        {
            _ = HugePages.Advise(_memory, bytes); // advice only: on failure the pages are ordinary ones
        }
    }

    public int Length { get; }

    public Span<T> Span => _memory is null ? throw new ObjectDisposedException(nameof(HugePageBuffer<T>)) : new(_memory, Length);

    /// <summary>A buffer never disposed (an exception between allocation and use) is freed by the finalizer.</summary>
    ~HugePageBuffer() => Free();

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        NativeMemory.AlignedFree(_memory);
        _memory = null;
    }
}

/// <summary>The system call behind <see cref="HugePageBuffer{T}"/>.</summary>
internal static unsafe partial class HugePages
{
    private const int MadviseHugePage = 14;

    /// <summary>madvise(address, length, MADV_HUGEPAGE); 0 on success.</summary>
    public static int Advise(void* address, nuint length) => Madvise(address, length, MadviseHugePage);

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(void* address, nuint length, int advice);
}
