using BenchmarkDotNet.Running;
using ScanScope.Benchmarks;

if (args is ["--capture-cpu", ..])
{
    CaptureBench.PrintCpuTable(Console.Out);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
