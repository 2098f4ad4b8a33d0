using Spectre.Console;
using UsbMesh.Shell;

namespace UsbMesh.Cli.Interactive;

/// <summary>
/// <c>usbmesh</c> with no command: a prompt (<c>usbmesh hub&gt; </c>) that runs commands on one connection until
/// <c>exit</c>, <c>quit</c> or the end of input. On a terminal it edits lines with history and completion; lines piped
/// in are read as they are, without a prompt. Ctrl-C stops the running command, not the shell. The exit code is the
/// last command's, so that a script piping lines in learns whether the last one worked.
/// </summary>
internal static class InteractiveShell
{
    public static async Task<int> RunAsync(ClientSession session, Terminal terminal)
    {
        using var interrupts = new Interrupts();
        var onTerminal = Terminal.InputIsTerminal;
        ILineReader reader = onTerminal
            ? new LineEditor(History.Load(), (before, partial) => Completion.Candidates(session.Welcome.Palettes, before, partial))
            : new PlainLineReader();
        var prompt = $"usbmesh {session.Options.Node ?? session.Welcome.Node}> ";
        if (onTerminal)
        {
            terminal.Out.WriteLine($"Connected to node {session.Welcome.Node} ({session.Welcome.NodeId}). 'help' lists its commands, Tab completes, 'exit' leaves.");
        }

        var exitCode = ShellErrors.ExitOk;
        while (await reader.ReadLineAsync(prompt).ConfigureAwait(false) is { } line)
        {
            var words = CommandWords.Split(line, out var error);
            if (words is null)
            {
                terminal.WriteError(error!);
                exitCode = ShellErrors.ExitUsage;
                continue;
            }

            if (words.Count == 0)
            {
                continue;
            }

            if (words is ["exit" or "quit"])
            {
                break;
            }

            using var cancellation = interrupts.BeginCommand();
            exitCode = await session.ExecuteAsync(words, cancellation).ConfigureAwait(false);
        }

        return exitCode;
    }
}
