using System.Diagnostics;

namespace UsbMesh.Bench;

/// <summary>
/// Runs one benchmark in a loop for a while and prints ns per message each second: a steady workload to attach a
/// profiler to (e.g. <c>perf record</c> with <c>DOTNET_PerfMapEnabled=1</c>), without BenchmarkDotNet in between.
/// </summary>
internal static class ProfileLoop
{
    public static int Run(string[] args)
    {
        var name = args.Length > 1 ? args[1] : "";
        var seconds = args.Length > 2 && int.TryParse(args[2], out var s) ? s : 10;
        return name switch
        {
            "tell" => Loop(name, seconds, TellBenchmarks.Messages, new TellBenchmarks(), b => b.SetupKernel(), b => b.Kernel(), b => b.Cleanup()),
            "tell-tp" => Loop(name, seconds, TellBenchmarks.Messages, new TellBenchmarks(), b => b.SetupKernelHighThroughput(), b => b.KernelHighThroughput(), b => b.Cleanup()),
            "tell-channel" => Loop(name, seconds, TellBenchmarks.Messages, new TellBenchmarks(), b => b.SetupChannel(), b => b.Channel(), b => b.Cleanup()),
            "pingpong" => Loop(name, seconds, PingPongBenchmarks.Messages, new PingPongBenchmarks(), b => b.SetupKernel(), b => b.Kernel(), b => b.Cleanup()),
            "pingpong-channel" => Loop(name, seconds, PingPongBenchmarks.Messages, new PingPongBenchmarks(), b => b.SetupChannel(), b => b.Channel(), b => b.Cleanup()),
            "fanin" => Loop(name, seconds, FanInBenchmarks.Messages, new FanInBenchmarks(), b => b.SetupKernel(), b => b.Kernel(), b => b.Cleanup()),
            "fanin-tp" => Loop(name, seconds, FanInBenchmarks.Messages, new FanInBenchmarks(), b => b.SetupKernelHighThroughput(), b => b.KernelHighThroughput(), b => b.Cleanup()),
            "fanin-channel" => Loop(name, seconds, FanInBenchmarks.Messages, new FanInBenchmarks(), b => b.SetupChannel(), b => b.Channel(), b => b.Cleanup()),
            _ => Usage(),
        };
    }

    private static int Usage()
    {
        Console.Error.WriteLine(
            "usage: loop <tell|tell-tp|tell-channel|pingpong|pingpong-channel|fanin|fanin-tp|fanin-channel> [seconds]");
        return 2;
    }

    private static int Loop<T>(string name, int seconds, int messagesPerInvoke, T bench, Action<T> setup, Action<T> invoke, Action<T> cleanup)
    {
        setup(bench);
        try
        {
            using var process = Process.GetCurrentProcess();
            var total = Stopwatch.StartNew();
            var samples = new List<double>();
            long allMessages = 0;
            var cpuBefore = process.TotalProcessorTime;
            while (total.Elapsed.TotalSeconds < seconds)
            {
                var second = Stopwatch.StartNew();
                var workItemsBefore = ThreadPool.CompletedWorkItemCount;
                long messages = 0;
                while (second.ElapsedMilliseconds < 1000)
                {
                    invoke(bench);
                    messages += messagesPerInvoke;
                }

                var perMessage = second.Elapsed.TotalNanoseconds / messages;
                samples.Add(perMessage);
                allMessages += messages;
                Console.WriteLine(
                    $"{name}: {perMessage,7:0.0} ns/msg; thread pool: {ThreadPool.ThreadCount} threads, " +
                    $"{(double)messages / Math.Max(1, ThreadPool.CompletedWorkItemCount - workItemsBefore),6:0.0} msg/work item");
            }

            process.Refresh();
            var cpuPerMessage = (process.TotalProcessorTime - cpuBefore).TotalNanoseconds / allMessages;
            samples.Sort();
            Console.WriteLine(
                $"{name}: median {samples[samples.Count / 2]:0.0} ns/msg, best {samples[0]:0.0} ns/msg over {samples.Count} s; " +
                $"process CPU {cpuPerMessage:0.0} ns/msg");
            return 0;
        }
        finally
        {
            cleanup(bench);
        }
    }
}
