using BenchmarkDotNet.Running;

if (ScanScope.Benchmarks.FeaturesMemory.TryRun(args))
{
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
