namespace UsbMesh.Cli.Tests;

/// <summary><c>usbmesh demo</c> as a newcomer runs it: no hardware, root or configuration.</summary>
public sealed class DemoSpec
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task The_demo_shares_a_stick_between_two_nodes_checks_every_byte_and_exits_0()
    {
        var run = await ClientProcess.RunAsync(Bound, null, "demo");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("bytes written     67,108,864", run.Stdout);
        Assert.Contains("every byte verified", run.Stdout);
        Assert.Contains("write throughput", run.Stdout);
        Assert.Contains("URB latency       p50 ", run.Stdout);
        Assert.Contains("mesh round trip   p50 ", run.Stdout);
        Assert.Equal("", run.Stderr);

        // Plain output: no escape sequences, no live widgets.
        Assert.DoesNotContain('\u001b', run.Stdout);
    }

    [Fact]
    public async Task A_size_the_demo_cannot_use_is_a_usage_error()
    {
        var run = await ClientProcess.RunAsync(Bound, null, "demo", "--size", "3KiB");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("--size", run.Stderr);
    }
}
