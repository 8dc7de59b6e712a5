using BenchmarkDotNet.Running;
using ScanScope.Benchmarks;

if (args is ["--capture-cpu", ..])
{
    CaptureBench.PrintCpuTable(Console.Out);
    return;
}

if (SiblingsBench.TryRun(args))
{
    return;
}

if (ScanScope.Benchmarks.FeaturesMemory.TryRun(args))
{
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
