using UsbMesh.Shell;

namespace UsbMesh.Node.Shell;

/// <summary>
/// Runs commands: finds the palette and command, checks the request and the caller's right to it, hands commands
/// for another node to the <see cref="ShellForwarder"/>, and bounds each command by the command timeout. Whatever
/// happens, a command ends with an exit code and, when it failed, an error frame saying why.
/// </summary>
public sealed class CommandHost
{
    /// <summary>How long a cancelled or timed-out command may take to say its last words before it is abandoned.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    private readonly ShellServices _services;
    private readonly ShellSettings _settings;
    private readonly ShellForwarder _forwarder;

    public CommandHost(ShellServices services, ShellSettings settings, IReadOnlyList<ShellPalette> palettes)
    {
        _services = services;
        _settings = settings;
        Palettes = palettes;
        _forwarder = new ShellForwarder(services);
        Welcome = new ShellFrame.Welcome(services.NodeName, services.Identity.Id.ToString(), [.. palettes.Select(p => p.Definition)]);
    }

    public IReadOnlyList<ShellPalette> Palettes { get; }

    /// <summary>How long a new connection may take to send its hello (<c>shell.handshake-timeout</c>).</summary>
    public TimeSpan HelloTimeout => _settings.Admission.HandshakeTimeout;

    /// <summary>The answer to a client's hello: this node and its palettes.</summary>
    public ShellFrame.Welcome Welcome { get; }

    /// <summary>Runs <paramref name="request"/> for <paramref name="caller"/>; returns its exit code. Never throws.</summary>
    public async Task<int> RunAsync(CommandRequest request, ShellCaller caller, ShellOutput output, CancellationToken cancellation)
    {
        using var timeout = new CancellationTokenSource(_settings.CommandTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, timeout.Token);
        Task<int> work;
        try
        {
            work = StartAsync(request, caller, output, linked.Token);
        }
        catch (ShellCommandException e)
        {
            await output.ErrorAsync(e.Code, e.Message).ConfigureAwait(false);
            return output.ExitCode;
        }

        try
        {
            return await work.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (ShellCommandException e)
        {
            await output.ErrorAsync(e.Code, e.Message).ConfigureAwait(false);
            return output.ExitCode;
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            // The command (or the node it was sent to) may still say how it ended; then it is abandoned.
            try
            {
                await work.WaitAsync(Grace).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Its end is told below.
            }

            if (cancellation.IsCancellationRequested)
            {
                await output.ErrorAsync(ShellErrors.Failed, $"'{request}' was cancelled.").ConfigureAwait(false);
                return ShellErrors.ExitCancelled;
            }

            await output.ErrorAsync(ShellErrors.Unavailable,
                $"'{request}' did not finish within {_settings.CommandTimeout.TotalSeconds:0.#} s (usbmesh.shell.command-timeout on node '{_services.NodeName}').").ConfigureAwait(false);
            return output.ExitCode;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _services.System.Log.Warning("Shell command '{0}' of {1} failed: {2}", request, caller, e);
            await output.ErrorAsync(ShellErrors.Failed, $"'{request}' failed on node '{_services.NodeName}': {e.Message}").ConfigureAwait(false);
            return output.ExitCode;
        }
    }

    private Task<int> StartAsync(CommandRequest request, ShellCaller caller, ShellOutput output, CancellationToken cancellation)
    {
        if (request.Node is { Length: > 0 } node && node != _services.NodeName && node != _services.Identity.Id.ToString())
        {
            if (!caller.IsLocal)
            {
                throw new ShellCommandException(ShellErrors.Denied,
                    $"Denied: node '{_services.NodeName}' runs the commands of peers itself and does not pass them on to node '{node}'; send the command to '{node}' directly.");
            }

            return _forwarder.RunAsync(node, request with { Node = null }, caller, output, cancellation);
        }

        var palette = Palettes.FirstOrDefault(p => p.Name == request.Palette)
            ?? throw ShellCommandException.NotFound($"Node '{_services.NodeName}' has no palette '{request.Palette}'. Palettes: {string.Join(", ", Palettes.Select(p => p.Name))}.");
        var command = palette.Find(request.Command)
            ?? throw ShellCommandException.NotFound($"Palette '{palette.Name}' has no command '{request.Command}'. Commands: {string.Join(", ", palette.Definition.Commands.Select(c => c.Name))}.");
        Authorize(command.Definition, request, caller);
        var complete = CommandParser.Complete(command.Definition, request, out var error)
            ?? throw ShellCommandException.Usage($"{error} {CommandParser.Usage(palette.Definition, command.Definition)}");
        return RunCommandAsync(command, new ShellInvocation(complete with { Node = null }, caller, output, cancellation));
    }

    private static async Task<int> RunCommandAsync(ShellCommand command, ShellInvocation invocation)
    {
        await command.Run(invocation).ConfigureAwait(false);
        return invocation.Output.ExitCode;
    }

    /// <summary>The admin socket may run everything; a peer needs trust, and the admin right for what changes the node.</summary>
    private void Authorize(CommandDefinition definition, CommandRequest request, ShellCaller caller)
    {
        if (caller.Peer is not { } peer)
        {
            return;
        }

        var trusted = _services.Trust.Current.Find(peer)
            ?? throw new ShellCommandException(ShellErrors.Denied, $"Denied: node '{_services.NodeName}' no longer trusts peer {peer.Short} (trust.peers).");
        if (definition.RequiresAdmin && !trusted.Admin)
        {
            throw new ShellCommandException(ShellErrors.Denied,
                $"Denied: peer '{trusted.Name}' has no admin right on node '{_services.NodeName}' (trust.peers: admin = on grants it), which '{request.Palette} {request.Command}' needs.");
        }
    }
}
