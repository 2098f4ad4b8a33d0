using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Spectre.Console;
using UsbMesh.Cli.Nodes;
using UsbMesh.Cli.Output;
using UsbMesh.Sessions.Client;
using UsbMesh.Shell;

namespace UsbMesh.Cli.Demo;

/// <summary>
/// The demo: a hub (an emulated keyboard and a stick of <paramref name="size"/> bytes, shared with the desk) and a desk,
/// each a node of this process with its own state directory under a temporary directory, on loopback ports chosen
/// free, trusting each other. The desk imports the stick over the mesh, writes it whole, reads it back, checks every
/// byte and prints the figures. Then both nodes stop (or, with <paramref name="keep"/>, run until Ctrl-C). The nodes
/// log to files in the temporary directory, which is removed after a run that succeeded and kept after one that failed.
/// </summary>
internal sealed class DemoRun(Terminal terminal, long size, bool keep, bool json)
{
    private const int MeshRoundTrips = 500;
    private const int UrbRoundTrips = 1000;
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(30);

    public async Task<int> RunAsync()
    {
        var root = Directory.CreateTempSubdirectory("usbmesh-demo-").FullName;
        using var interrupted = new CancellationTokenSource();
        void Interrupt(PosixSignalContext context)
        {
            context.Cancel = true;
            interrupted.Cancel();
        }

        // Ctrl-C, and a service manager's or a test's SIGTERM, stop both nodes cleanly.
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
        var nodes = new List<LocalNode>();
        var succeeded = false;
        try
        {
            await RunAsync(root, nodes, interrupted.Token).ConfigureAwait(false);
            succeeded = true;
            return ShellErrors.ExitOk;
        }
        catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
        {
            terminal.WriteError("The demo was interrupted.");
            return ShellErrors.ExitCancelled;
        }
        catch (Exception e)
        {
            terminal.WriteError($"The demo failed: {e.Message}");
            terminal.WriteError($"The nodes' logs are in {root}.");
            return ShellErrors.ExitFailed;
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask())).ConfigureAwait(false);
            if (succeeded)
            {
                TryDelete(root);
            }
        }
    }

    private async Task RunAsync(string root, List<LocalNode> nodes, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var hubSpec = new LocalNodeSpec("hub", Path.Combine(root, "hub")) { LogFile = Path.Combine(root, "hub.log") };
        var deskSpec = new LocalNodeSpec("desk", Path.Combine(root, "desk")) { LogFile = Path.Combine(root, "desk.log") };
        var hubId = hubSpec.CreateIdentity();
        var deskId = deskSpec.CreateIdentity();
        hubSpec = hubSpec with
        {
            Trusts = [new TrustedPeerSpec("desk", deskId)],
            Gadgets =
            [
                "{ type = keyboard, name = keyboard, share-with = [desk] }",
                string.Create(CultureInfo.InvariantCulture, $"{{ type = mass-storage, name = stick, image = \"stick.img\", size = {size}, share-with = [desk] }}"),
            ],
            Dashboard = keep ? FreeLoopbackEndpoint() : null,
        };

        Say($"Starting two nodes in this process (logs: {root})");
        var hub = await LocalNode.StartAsync(hubSpec, cancellationToken).ConfigureAwait(false);
        nodes.Add(hub);
        StickWorkload.OfferEcho(hub.Mesh.Remoting);
        deskSpec = deskSpec with
        {
            Trusts = [new TrustedPeerSpec("hub", hubId)],
            Seeds = hub.Mesh.Bound,
            Dashboard = keep ? FreeLoopbackEndpoint() : null,
        };
        var desk = await LocalNode.StartAsync(deskSpec, cancellationToken).ConfigureAwait(false);
        nodes.Add(desk);

        Say($"hub exports a keyboard and a {Size(size)} stick to desk; waiting for desk to see the stick over the mesh");
        var busId = await StickWorkload.FindStickAsync(desk.Mesh.Mesh, hubId, JoinTimeout, cancellationToken).ConfigureAwait(false);
        Say($"desk imports hub/{busId} (TLS 1.3 over TCP on loopback)");

        var pattern = new byte[size];
        new Random(2026).NextBytes(pattern);
        IProgressView progress = json || terminal.IsPlain ? new PlainProgress(json ? terminal.Error : terminal.Out) : new LiveProgress(terminal.Out);
        Action<long> Report(string label, long totalCount) => done => progress.Update(new ShellFrame.Progress(0, label, done, totalCount));

        RoundTrips mesh, urbs;
        TimeSpan writeTime, readTime;
        var stick = await RemoteDevice.OpenAsync(desk.System, desk.Mesh.Imports, hubId, busId).ConfigureAwait(false);
        await using (stick.ConfigureAwait(false))
        {
            try
            {
                mesh = await StickWorkload.MeshRoundTripsAsync(desk.Mesh.Remoting, hubId, MeshRoundTrips, Report("Mesh round trips", MeshRoundTrips), cancellationToken).ConfigureAwait(false);
                urbs = await StickWorkload.UrbRoundTripsAsync(stick, UrbRoundTrips, Report("URB round trips", UrbRoundTrips), cancellationToken).ConfigureAwait(false);
                (writeTime, readTime) = await StickWorkload.WriteAndVerifyAsync(stick, pattern,
                    Report($"Writing {Size(size)}", size), Report("Reading back and verifying", size), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await progress.CompleteAsync().ConfigureAwait(false);
            }
        }

        ICommandOutput output = json ? new JsonOutput(terminal.Writer) : new HumanOutput(terminal);
        output.Write(new ShellFrame.Table(0, "usbmesh demo", ["measure", "value"],
        [
            ["device", $"hub/{busId}, a {Size(size)} stick (SCSI over Bulk-Only)"],
            ["path", "desk imports it over the mesh: TLS 1.3 over TCP, loopback"],
            ["bytes written", size.ToString("N0", CultureInfo.InvariantCulture)],
            ["bytes read", $"{size.ToString("N0", CultureInfo.InvariantCulture)}, every byte verified"],
            ["write throughput", Throughput(size, writeTime)],
            ["read throughput", Throughput(size, readTime)],
            ["URB latency", $"{urbs.Describe()} ({urbs.Count} GET_DESCRIPTOR control transfers)"],
            ["mesh round trip", $"{mesh.Describe()} ({mesh.Count} × 64 B over a mesh lane)"],
            ["total time", FormattableString.Invariant($"{total.Elapsed.TotalSeconds:F1} s")],
        ]));
        await output.CompleteAsync().ConfigureAwait(false);

        if (keep)
        {
            await KeepAsync(nodes, output, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Shows where both nodes can be reached and runs them until Ctrl-C.</summary>
    private async Task KeepAsync(IReadOnlyList<LocalNode> nodes, ICommandOutput output, CancellationToken cancellationToken)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var node in nodes)
        {
            var usbipd = await node.UsbipdEndpointAsync().ConfigureAwait(false);
            rows.Add([node.Name, node.Id.ToString(), node.AdminSocket, string.Join(", ", node.Mesh.Bound), usbipd?.ToString() ?? "",
                node.DashboardUrl ?? ""]);
        }

        if (json)
        {
            output = new JsonOutput(terminal.Writer);
        }

        output.Write(new ShellFrame.Table(0, "nodes", ["node", "id", "admin socket", "mesh", "usbipd", "dashboard"], rows));
        await output.CompleteAsync().ConfigureAwait(false);
        Say($"Both nodes keep running. Try: usbmesh --socket {nodes[^1].AdminSocket} devices list");
        Say($"or: usbip --tcp-port {(await nodes[^1].UsbipdEndpointAsync().ConfigureAwait(false))?.Port} list -r 127.0.0.1. Ctrl-C stops both nodes.");
        await Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
        Say("Stopping both nodes");
    }

    /// <summary>Tells the person watching what happens; scripts reading JSON get it on standard error.</summary>
    private void Say(string message) => (json ? terminal.Error : terminal.Out).WriteLine(message);

    private static string Size(long bytes) => bytes % (1L << 30) == 0 ? $"{bytes >> 30} GiB" : $"{bytes >> 20} MiB";

    private static string Throughput(long bytes, TimeSpan time) =>
        FormattableString.Invariant($"{bytes / time.TotalSeconds / 1e6:F1} MB/s ({time.TotalSeconds:F2} s)");

    private static string FreeLoopbackEndpoint()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return probe.LocalEndpoint.ToString()!;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A file still held open; the system's temporary-file cleaning takes it later.
        }
    }
}
