using UsbMesh.Cli.Output;
using UsbMesh.Configuration;
using UsbMesh.Shell;

namespace UsbMesh.Cli;

/// <summary>
/// A shell connection to the local node and what the client does with words typed or given: the client's switches,
/// help, then the command parsed against the node's palettes and run. One-shot and interactive use share it.
/// </summary>
internal sealed class ClientSession(ShellClient client, Terminal terminal, ClientOptions options) : IAsyncDisposable
{
    /// <summary>The node's name, id and palettes.</summary>
    public ShellFrame.Welcome Welcome => client.Welcome;

    /// <summary>The options the session was opened with (a command's own switches change them for it alone).</summary>
    public ClientOptions Options => options;

    /// <summary>Connects to the local node's admin socket.</summary>
    /// <returns>The session, or null after telling why on standard error, with the exit code.</returns>
    public static async Task<(ClientSession? Session, int ExitCode)> OpenAsync(ClientOptions options, Terminal terminal, CancellationToken cancellationToken)
    {
        string socket;
        try
        {
            socket = SocketPath.Resolve(options);
        }
        catch (ConfigurationException e)
        {
            terminal.WriteError(e.Message);
            return (null, ShellErrors.ExitUsage);
        }

        try
        {
            var client = await ShellClient.ConnectAsync(socket, $"usbmesh ({Environment.UserName}, pid {Environment.ProcessId})", cancellationToken).ConfigureAwait(false);
            return (new ClientSession(client, terminal, options), ShellErrors.ExitOk);
        }
        catch (ShellUnavailableException e)
        {
            terminal.WriteError(e.Message);
            terminal.WriteError($"Is the node running? Start it with 'usbmeshd', or name its socket with --socket PATH, --config FILE or {SocketPath.EnvironmentVariable}.");
            return (null, ShellErrors.ExitUnavailable);
        }
    }

    /// <summary>Runs what <paramref name="words"/> say and returns the exit code.</summary>
    public async Task<int> ExecuteAsync(IReadOnlyList<string> words, CommandCancellation cancellation)
    {
        var commandOptions = options;
        var palettes = client.Welcome.Palettes;
        var rest = CommandWords.TakeClientSwitches(palettes, words, ref commandOptions, out var error);
        if (rest is null)
        {
            terminal.WriteError(error!);
            return ShellErrors.ExitUsage;
        }

        // 'usbmesh devices list --help' describes the command, unless the command has a switch of that name itself.
        if (rest.Any(IsHelpSwitch) && CommandWords.DefinitionOf(palettes, rest)?.Arguments.Any(a => a.Switches.Any(IsHelpSwitch)) != true)
        {
            var topic = rest.Where(w => !IsHelpSwitch(w)).Take(2).ToList();
            var palette = palettes.FirstOrDefault(p => p.Name == topic.FirstOrDefault());
            return HelpText.Show(terminal, client.Welcome, topic.Count == 2 && palette?.Find(topic[1]) is null ? topic[..1] : topic);
        }

        if (rest.Count == 0 || rest[0] == "help")
        {
            return HelpText.Show(terminal, client.Welcome, rest.Skip(1).ToList());
        }

        if (rest.Count == 1 && palettes.Any(p => p.Name == rest[0]))
        {
            return HelpText.Show(terminal, client.Welcome, rest);
        }

        var request = CommandParser.Parse(palettes, rest, commandOptions.Node, out error);
        if (request is null)
        {
            terminal.WriteError(error!);
            return ShellErrors.ExitUsage;
        }

        ICommandOutput output = commandOptions.Json ? new JsonOutput(terminal.Writer) : new HumanOutput(terminal);
        return await CommandRunner.RunAsync(client, request, output, terminal, cancellation).ConfigureAwait(false);
    }

    private static bool IsHelpSwitch(string word) => word is "--help" or "-h";

    public ValueTask DisposeAsync() => client.DisposeAsync();
}
