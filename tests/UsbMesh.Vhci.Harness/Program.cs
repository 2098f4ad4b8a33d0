using System.Globalization;
using System.Runtime.Versioning;
using UsbMesh.Actors;
using UsbMesh.Devices;
using UsbMesh.Gadgets.Backends;

namespace UsbMesh.Vhci.Harness;

/// <summary>
/// Attaches an emulated mass-storage gadget to this machine's vhci_hcd through <see cref="VhciPortActor"/>, for a
/// real kernel to enumerate (the QEMU specs run it in a guest). Prints <c>VHCI-ATTACHED port=N</c> (or
/// <c>VHCI-ATTACH-FAILED reason</c>), waits until the file named by <c>--detach-when</c> exists, detaches, prints
/// <c>VHCI-DETACHED reason</c> and exits 0 once the gadget's image is closed.
/// </summary>
/// <remarks>
/// Usage: <c>usbmesh-vhci-harness --image PATH --size BYTES --bus-id ID --detach-when FILE [--sysfs ROOT]</c>.
/// </remarks>
[UnsupportedOSPlatform("windows")]
public static class Program
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    /// <summary>Runs the harness.</summary>
    /// <param name="args">The options above.</param>
    /// <returns>0 after an attach and a detach, 2 when the attach failed, 3 when the port went away unasked, 64 on bad usage.</returns>
    public static async Task<int> Main(string[] args)
    {
        var options = Options(args);
        if (options is null)
        {
            await Console.Error.WriteLineAsync("usage: usbmesh-vhci-harness --image PATH --size BYTES --bus-id ID --detach-when FILE [--sysfs ROOT]");
            return 64;
        }

        var system = ActorSystem.Create("vhci-harness");
        try
        {
            var gadget = GadgetFactory.Create(new MassStorageSettings("stick", options["image"], long.Parse(options["size"], CultureInfo.InvariantCulture)));
            var device = system.ActorOf(UsbDeviceActor.Props(gadget), "stick");
            var vhci = system.ActorOf(VhciActor.Props(new VhciSettings { SysfsRoot = options.GetValueOrDefault("sysfs", "/sys") }), "imports");

            var answer = await vhci.Ask<object>(new Vhci.Attach(device, options["bus-id"]), Limit);
            if (answer is Vhci.AttachFailed failed)
            {
                Console.WriteLine($"VHCI-ATTACH-FAILED {failed.Reason}");
                return 2;
            }

            var attached = (Vhci.Attached)answer;
            Console.WriteLine($"VHCI-ATTACHED port={attached.Port}");

            // The attach's requester was the ask's temporary actor; watch the port so an unasked detach shows too.
            var gone = system.ActorOf(Props.Create(() => new Watcher(attached.PortActor)), "watcher");
            while (!File.Exists(options["detach-when"]))
            {
                if (await gone.Ask<bool>(Watcher.IsGone.Instance, Limit))
                {
                    Console.WriteLine("VHCI-LOST the port went away before the detach");
                    return 3;
                }

                await Task.Delay(100);
            }

            var detached = await vhci.Ask<object>(new Vhci.Detach(attached.Port), Limit);
            Console.WriteLine(detached is Vhci.Detached d ? $"VHCI-DETACHED {d.Reason}" : $"VHCI-DETACH-FAILED {detached}");
            return detached is Vhci.Detached ? 0 : 1;
        }
        finally
        {
            await system.Terminate().WaitAsync(Limit);
        }
    }

    private static Dictionary<string, string>? Options(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                return null;
            }

            options[args[i][2..]] = args[i + 1];
        }

        return args.Length % 2 == 0 && new[] { "image", "size", "bus-id", "detach-when" }.All(options.ContainsKey) ? options : null;
    }

    /// <summary>Tells whether the watched port actor has stopped.</summary>
    private sealed class Watcher : ReceiveActor
    {
        private bool _gone;

        public Watcher(IActorRef port)
        {
            Context.Watch(port);
            Receive<Terminated>(_ => _gone = true);
            Receive<IsGone>(_ => Sender.Tell(_gone));
        }

        public sealed record IsGone
        {
            public static readonly IsGone Instance = new();
        }
    }
}
