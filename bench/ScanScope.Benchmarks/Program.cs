using BenchmarkDotNet.Running;
using ScanScope.Benchmarks;

if (args is ["--capture-cpu", .. var rows])
{
    CaptureBench.PrintCpuTable(Console.Out, rows);
    return;
}

if (TsneBench.TryRun(args))
{
    return;
}

if (SiblingsBench.TryRun(args))
{
    return;
}

if (ConfirmLarge.TryRun(args))
{
    return;
}

if (ScanScope.Benchmarks.FeaturesMemory.TryRun(args))
{
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
