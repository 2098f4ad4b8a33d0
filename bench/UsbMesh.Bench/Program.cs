using BenchmarkDotNet.Running;

namespace UsbMesh.Bench;

/// <summary>
/// <c>alloc</c>: the quick allocation check. Anything else goes to BenchmarkDotNet (e.g. <c>--filter *Tell*</c>);
/// no arguments runs every benchmark.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args is ["alloc", ..])
        {
            return AllocationCheck.Run();
        }

        var switcher = BenchmarkSwitcher.FromTypes([typeof(TellBenchmarks), typeof(PingPongBenchmarks), typeof(FanInBenchmarks)]);
        var summaries = switcher.Run(args.Length == 0 ? ["--filter", "*"] : args, BenchConfig.Create());
        return summaries.Any(summary => summary.HasCriticalValidationErrors || summary.Reports.Any(report => !report.Success)) ? 1 : 0;
    }
}
