using System.CommandLine;
using UsbMesh.Cli.Demo;
using UsbMesh.Cli.Interactive;
using UsbMesh.Shell;

namespace UsbMesh.Cli;

/// <summary>
/// <c>usbmesh [--socket PATH] [--node NAME] [--json] [--config FILE] &lt;palette&gt; &lt;command&gt; [arguments]</c> runs one
/// command on the local node (or, with --node, on another node through it); with no command, or <c>shell</c>, it opens
/// a prompt; <c>demo</c> runs two nodes in this process. The client knows no node command itself: the words after its
/// own options are parsed against the palettes the node sends, so every switch there belongs to the command.
/// Exit codes: <see cref="ShellErrors"/> (0 ok, 1 failed, 2 usage, 3 unavailable, 4 denied, 5 not found, 130 cancelled).
/// </summary>
internal static class CliCommand
{
    private const string DemoName = "demo";
    private const string ShellName = "shell";

    public static async Task<int> RunAsync(string[] args)
    {
        var parse = Create().Parse(Prepare(args));
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync(error.Message).ConfigureAwait(false);
            }

            await Console.Error.WriteLineAsync("'usbmesh --help' shows the client's options, 'usbmesh help' the node's commands.").ConfigureAwait(false);
            return ShellErrors.ExitUsage;
        }

        // Ctrl-C is the client's own business: it cancels a command, and the demo stops its nodes.
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }).ConfigureAwait(false);
    }

    public static RootCommand Create()
    {
        var socket = new Option<string?>(ClientOptions.SocketSwitch)
        {
            Description = $"The local node's admin socket (default: from the node's configuration, or {SocketPath.EnvironmentVariable}).",
            HelpName = "PATH",
            Recursive = true,
        };
        var node = new Option<string?>(ClientOptions.NodeSwitch)
        {
            Description = "Runs the command on this node of the mesh, through the local one.",
            HelpName = "NAME",
            Recursive = true,
        };
        var json = new Option<bool>(ClientOptions.JsonSwitch)
        {
            Description = "Prints each command's output as one JSON document (tables as arrays of objects), for scripts.",
            Recursive = true,
        };
        var config = new Option<string?>(ClientOptions.ConfigSwitch)
        {
            Description = "The local node's configuration file, to find its admin socket.",
            HelpName = "FILE",
            Recursive = true,
        };
        var words = new Argument<string[]>("command")
        {
            Description = "A palette, one of its commands and the command's arguments ('usbmesh help' lists them). None: a prompt.",
            Arity = ArgumentArity.ZeroOrMore,
        };

        ClientOptions Options(ParseResult parse) =>
            new(parse.GetValue(socket), parse.GetValue(node), parse.GetValue(json), parse.GetValue(config));

        var shell = new Command(ShellName, "Opens a prompt on the local node: history, Tab completion, Ctrl-C stops the running command.");
        shell.SetAction((parse, _) => ShellAsync(Options(parse), [], Terminal.Create()));

        var root = new RootCommand("usbmesh: runs commands on UsbMesh nodes (the local one, or others of its mesh through it).")
        {
            socket, node, json, config, words, shell, DemoCommand.Create(),
        };
        root.SetAction((parse, _) => ShellAsync(Options(parse), parse.GetValue(words) ?? [], Terminal.Create()));
        return root;
    }

    /// <summary>
    /// Marks where the node's command starts (<c>--</c> before its first word), so that its switches are not taken
    /// for the client's; the client's own switches after it are picked out later, against the command's definition.
    /// </summary>
    internal static string[] Prepare(string[] args)
    {
        var first = 0;
        while (first < args.Length && ClientOptions.IsSwitch(args[first]))
        {
            first += ClientOptions.TakesValue(args[first]) ? 2 : 1;
        }

        return first >= args.Length || args[first] is DemoName or ShellName or "--" || args[first].StartsWith('-')
            ? args
            : [.. args[..first], "--", .. args[first..]];
    }

    private static async Task<int> ShellAsync(ClientOptions options, string[] words, Terminal terminal)
    {
        if (words.Length > 0 && words[0].StartsWith('-'))
        {
            terminal.WriteError($"Unknown option {words[0]}: 'usbmesh --help' lists the client's options.");
            return ShellErrors.ExitUsage;
        }

        var (session, exitCode) = await ClientSession.OpenAsync(options, terminal, CancellationToken.None).ConfigureAwait(false);
        if (session is null)
        {
            return exitCode;
        }

        await using (session.ConfigureAwait(false))
        {
            if (words.Length == 0)
            {
                return await InteractiveShell.RunAsync(session, terminal).ConfigureAwait(false);
            }

            using var interrupts = new Interrupts();
            using var cancellation = interrupts.BeginCommand();
            return await session.ExecuteAsync(words, cancellation).ConfigureAwait(false);
        }
    }
}
