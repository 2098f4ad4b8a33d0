using UsbMesh.Gadgets.Backends;

namespace UsbMesh.Node.Shell;

/// <summary><c>gadgets create | list | type</c>: the node's emulated devices.</summary>
internal static class GadgetsPalette
{
    public static ShellPalette Create(ShellServices services) => new("gadgets", "Emulated devices of this node.",
    [
        new(new("create", "Creates an emulated device and exports it (until the node restarts; usbmesh.gadgets keeps them for good).",
            [
                Arg.Switch("type", "keyboard, mass-storage or serial.", mandatory: true, shortSwitch: "-t"),
                Arg.Switch("name", "Its name (default: its type and a number)."),
                Arg.Switch("image", "mass-storage: the image file, relative to the state directory (default: <name>.img)."),
                Arg.Switch("size", "mass-storage: the size of a new image.", defaultValue: "64MiB"),
            ], RequiresAdmin: true), call => CreateAsync(services, call)),
        new(new("list", "The emulated devices and their bus ids.", []), call => ListAsync(services, call)),
        new(new("type", "Types text on an emulated keyboard (US layout); the host reads it as key presses.",
            [Arg.Positional("gadget", "The keyboard's name.", 0), Arg.Positional("text", "The text.", 1)], RequiresAdmin: true),
            call => TypeAsync(services, call)),
    ]);

    private static async Task CreateAsync(ShellServices services, ShellInvocation call)
    {
        var type = call.Required("type");
        var current = await services.AskAsync<Gadgets.Current>(services.Gadgets, Gadgets.List.Instance, "gadgets", call.Cancellation).ConfigureAwait(false);
        var name = call.Request.Get("name") ?? Enumerable.Range(1, 1000).Select(i => $"{type}-{i}").First(n => current.Gadgets.All(g => g.Name != n));
        GadgetSettings settings;
        try
        {
            var image = Path.GetFullPath(call.Request.Get("image") ?? $"{name}.img", services.Settings.StateDirectory);
            settings = GadgetFactory.CreateSettings(type, name, image, SizeOf(call.Required("size")));
        }
        catch (ArgumentException e)
        {
            throw ShellCommandException.Usage(e.Message);
        }

        var creating = services.AskAsync<object>(services.Gadgets, new Gadgets.Create(settings), "gadgets", call.Cancellation);
        switch (await call.Output.WaitingAsync($"Creating {type} gadget '{name}'", creating).ConfigureAwait(false))
        {
            case Gadgets.Created created:
                await call.Output.LineAsync($"Created {type} gadget '{created.Name}' as {services.NodeName}/{created.BusId}, shared with every trusted peer.").ConfigureAwait(false);
                break;
            case Gadgets.Failed failed:
                throw ShellCommandException.Failed($"Cannot create gadget '{name}': {failed.Reason}.");
        }
    }

    private static async Task ListAsync(ShellServices services, ShellInvocation call)
    {
        var current = await services.AskAsync<Gadgets.Current>(services.Gadgets, Gadgets.List.Instance, "gadgets", call.Cancellation).ConfigureAwait(false);
        await call.Output.TableAsync("gadgets", ["name", "type", "device", "queued-reports"], current.Gadgets.Select(g =>
            (IReadOnlyList<string>)[g.Name, g.Type, $"{services.NodeName}/{g.BusId}", g.QueuedReports is { } queued ? ShellFormat.Number(queued) : ""])).ConfigureAwait(false);
    }

    private static async Task TypeAsync(ShellServices services, ShellInvocation call)
    {
        switch (await services.AskAsync<object>(services.Gadgets, new Gadgets.Type(call.Required("gadget"), call.Required("text")), "gadgets", call.Cancellation).ConfigureAwait(false))
        {
            case Gadgets.Typed typed:
                await call.Output.LineAsync($"Typed {typed.Characters} characters on '{typed.Name}'; {typed.QueuedReports} key reports wait for the host to read them.").ConfigureAwait(false);
                break;
            case Gadgets.Failed failed:
                throw failed.Reason.StartsWith("no gadget", StringComparison.Ordinal)
                    ? ShellCommandException.NotFound($"Node '{services.NodeName}' has {failed.Reason} (`gadgets list`).")
                    : ShellCommandException.Failed($"Cannot type: {failed.Reason}.");
        }
    }

    /// <summary>A size as HOCON writes it (<c>64MiB</c>, <c>1 GiB</c>, <c>512k</c>).</summary>
    private static long SizeOf(string text)
    {
        try
        {
            return Configuration.ConfigurationFactory.ParseString($"size = \"{text.Replace("\"", "", StringComparison.Ordinal)}\"", "--size").GetByteSize("size");
        }
        catch (Configuration.ConfigurationException)
        {
            throw ShellCommandException.Usage($"--size takes a size such as 64MiB or 1GiB, not '{text}'.");
        }
    }
}
