using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace UsbMesh.Bench;

/// <summary>
/// A short job sized so the whole suite finishes in a few minutes on a small machine: 3 warm-up and 15 measured
/// iterations of about 500 ms each, every benchmark in a fresh process (or in this process with <c>--in-process</c>).
/// </summary>
internal static class BenchConfig
{
    public const string InProcessOption = "--in-process";

    public static IConfig Create(bool inProcess)
    {
        var job = Job.Default
            .WithId(inProcess ? "ShortInProcess" : "Short")
            .WithWarmupCount(3)
            .WithIterationCount(15)
            .WithIterationTime(TimeInterval.FromMilliseconds(500))
            .WithUnrollFactor(1)
            .WithEvaluateOverhead(false);
        if (inProcess)
        {
            job = job.WithToolchain(InProcessEmitToolchain.Instance);
        }

        return DefaultConfig.Instance
            .AddJob(job)
            .AddColumn(StatisticColumn.Median, StatisticColumn.OperationsPerSecond)
            .WithOptions(ConfigOptions.JoinSummary);
    }
}
