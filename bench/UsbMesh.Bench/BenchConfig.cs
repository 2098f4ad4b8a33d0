using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace UsbMesh.Bench;

/// <summary>
/// A short job sized so the whole suite finishes in a few minutes on a small machine: 3 warm-up and 12 measured
/// iterations of about 250 ms each. Benchmarks run in the host process (no generated project to build).
/// </summary>
internal static class BenchConfig
{
    public static IConfig Create() =>
        DefaultConfig.Instance
            .AddJob(Job.Default
                .WithId("Short")
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithWarmupCount(3)
                .WithIterationCount(12)
                .WithIterationTime(TimeInterval.FromMilliseconds(250))
                .WithUnrollFactor(1)
                .WithEvaluateOverhead(false))
            .AddColumn(StatisticColumn.OperationsPerSecond)
            .WithOptions(ConfigOptions.JoinSummary);
}
