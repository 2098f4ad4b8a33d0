using BenchmarkDotNet.Running;

namespace UsbMesh.Bench;

/// <summary>
/// <c>alloc</c>: the quick allocation check. <c>kernel [rounds]</c>: dd through the guest kernel's vhci in QEMU, UsbMesh
/// beside the kernel's own USB/IP export (see <see cref="Kernel.KernelUsbIpBench"/>). <c>usbip [rounds]</c>: the usbipd endpoint on loopback against raw TCP
/// (a custom loop that prints a table; see <see cref="UsbIp.UsbIpEndpointBench"/>). <c>lanes [rounds]</c>: one multiplexer
/// lane against a raw TLS stream (see <see cref="Mesh.LaneBench"/>). <c>remote [rounds]</c>: actor messages between two
/// nodes over remoting against raw TLS (see <see cref="Mesh.RemoteBench"/>). <c>import [rounds]</c>: a device of
/// another node through a usbipd endpoint and the TLS mesh against raw TLS (see <see cref="Import.ImportBench"/>); <c>import relay [rounds]</c>: the same import through a relay
/// against the import made directly (see <see cref="Import.ImportRelayBench"/>); <c>import loop &lt;out|in|interrupt&gt; [seconds] [relay]</c>
/// runs only that path, to profile. <c>loop &lt;pattern&gt; [seconds]</c>: one benchmark in a loop, to profile.
/// Anything else goes to BenchmarkDotNet (e.g. <c>--filter *Tell*</c>); no filter runs every benchmark.
/// <c>--in-process</c> runs the benchmarks in this process instead of one process each.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args is ["loop", ..])
        {
            return ProfileLoop.Run(args);
        }

        if (args is ["usbip", ..])
        {
            return UsbIp.UsbIpEndpointBench.Run(args);
        }

        if (args is ["kernel", ..])
        {
            return Kernel.KernelUsbIpBench.Run(args);
        }

        if (args is ["lanes", ..])
        {
            return Mesh.LaneBench.Run(args);
        }

        if (args is ["remote", ..])
        {
            return Mesh.RemoteBench.Run(args);
        }

        if (args is ["import", "relay", ..])
        {
            return Import.ImportRelayBench.Run(args);
        }

        if (args is ["import", "loop", ..])
        {
            return Import.ImportLoop.Run(args);
        }

        if (args is ["import", ..])
        {
            return Import.ImportBench.Run(args);
        }

        if (args is ["alloc", ..])
        {
            return AllocationCheck.Run();
        }

        var inProcess = args.Contains(BenchConfig.InProcessOption);
        var rest = args.Where(arg => arg != BenchConfig.InProcessOption).ToArray();
        if (!rest.Any(arg => arg is "--filter" or "-f"))
        {
            rest = [.. rest, "--filter", "*"];
        }

        var switcher = BenchmarkSwitcher.FromTypes([typeof(TellBenchmarks), typeof(PingPongBenchmarks), typeof(FanInBenchmarks)]);
        var summaries = switcher.Run(rest, BenchConfig.Create(inProcess));
        return summaries.Any(summary => summary.HasCriticalValidationErrors || summary.Reports.Any(report => !report.Success)) ? 1 : 0;
    }
}
